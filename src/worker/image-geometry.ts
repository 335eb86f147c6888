/**
 * Where each resize mode takes its pixels from (pure): for an oriented image of `width x height`
 * and a resolved preprocessing, the region cut before the resize, the resize target, and the
 * window cut or the padding added after it. The arithmetic follows each mode's reference library
 * so that the pixels land where they do there.
 */
import type { ResolvedPreprocess } from '../protocol/preprocess.js';

/** A rectangle of pixels. */
export interface Rect {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** Padding in pixels on each side. */
export interface Padding {
  top: number;
  bottom: number;
  left: number;
  right: number;
}

/** The steps of one image's resize: cut, resize, then cut or pad. */
export interface ImageGeometry {
  /** Region of the oriented image to keep before resizing (`squash` with a crop fraction). */
  before: Rect | null;
  resizeWidth: number;
  resizeHeight: number;
  /** Window of the resized image to keep (`shorter-side`). */
  crop: Rect | null;
  /** Padding around the resized image (`letterbox`), with the pad value. */
  pad: (Padding & { value: readonly [number, number, number] }) | null;
}

/** Python's `round()`: halves go to the even neighbour. */
export function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const diff = x - floor;
  if (diff > 0.5) return floor + 1;
  if (diff < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

/**
 * torchvision's `Resize(s)` then `CenterCrop`. The shorter side becomes `resizeTo`, or the crop
 * size over the crop fraction (`round(224 / 0.875) = 256`), the longer one `int(s * long /
 * short)`; the crop offset is `round((size - crop) / 2)`, halves to even. A non-square crop
 * without `resizeTo` scales so that both sides cover the crop with the same margin. The image
 * is never cut outside: extreme aspect ratios are enlarged to cover the crop.
 */
function shorterSide(
  width: number,
  height: number,
  size: { height: number; width: number },
  cropFraction: number,
  resizeTo: number | null,
): ImageGeometry {
  let resizeWidth: number;
  let resizeHeight: number;
  const shortTarget = resizeTo ?? (size.width === size.height ? Math.round(size.width / cropFraction) : null);
  if (shortTarget !== null) {
    if (width <= height) {
      resizeWidth = shortTarget;
      resizeHeight = Math.floor((shortTarget * height) / width);
    } else {
      resizeHeight = shortTarget;
      resizeWidth = Math.floor((shortTarget * width) / height);
    }
  } else {
    const scale = Math.max(size.width / width, size.height / height) / cropFraction;
    resizeWidth = Math.floor(width * scale);
    resizeHeight = Math.floor(height * scale);
  }
  resizeWidth = Math.max(resizeWidth, size.width);
  resizeHeight = Math.max(resizeHeight, size.height);
  return {
    before: null,
    resizeWidth,
    resizeHeight,
    crop: {
      left: roundHalfEven((resizeWidth - size.width) / 2),
      top: roundHalfEven((resizeHeight - size.height) / 2),
      width: size.width,
      height: size.height,
    },
    pad: null,
  };
}

/**
 * TF's `central_crop(fraction)` (`start = int((n - n * fraction) / 2)`, `length = n - 2 *
 * start`), then a resize to the size whatever the aspect ratio.
 */
function squash(
  width: number,
  height: number,
  size: { height: number; width: number },
  cropFraction: number,
): ImageGeometry {
  let before: Rect | null = null;
  if (cropFraction < 1) {
    const left = Math.trunc((width - width * cropFraction) / 2);
    const top = Math.trunc((height - height * cropFraction) / 2);
    before = { left, top, width: Math.max(1, width - 2 * left), height: Math.max(1, height - 2 * top) };
  }
  return { before, resizeWidth: size.width, resizeHeight: size.height, crop: null, pad: null };
}

/**
 * The whole image scaled to fit inside the size (`round(side * scale)`, at least one pixel),
 * centred, the rest padded (the extra pixel of an odd margin goes right and bottom).
 */
function letterbox(
  width: number,
  height: number,
  size: { height: number; width: number },
  value: readonly [number, number, number],
): ImageGeometry {
  const scale = Math.min(size.width / width, size.height / height);
  const resizeWidth = Math.min(size.width, Math.max(1, Math.round(width * scale)));
  const resizeHeight = Math.min(size.height, Math.max(1, Math.round(height * scale)));
  const left = Math.floor((size.width - resizeWidth) / 2);
  const top = Math.floor((size.height - resizeHeight) / 2);
  return {
    before: null,
    resizeWidth,
    resizeHeight,
    crop: null,
    pad: {
      left,
      right: size.width - resizeWidth - left,
      top,
      bottom: size.height - resizeHeight - top,
      value,
    },
  };
}

/** The geometry of one `width x height` image (after EXIF orientation) under `p`. */
export function planGeometry(width: number, height: number, p: ResolvedPreprocess): ImageGeometry {
  const r = p.resize;
  switch (r.mode) {
    case 'shorter-side':
      return shorterSide(width, height, p.size, r.cropFraction, r.resizeTo);
    case 'squash':
      return squash(width, height, p.size, r.cropFraction);
    case 'letterbox':
      return letterbox(width, height, p.size, r.padValue);
  }
}
