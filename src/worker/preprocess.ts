/**
 * Image bytes to a model input tensor, with torchvision's ImageNet evaluation transform:
 * `Resize(256)` (bilinear, short side, long side truncated), `CenterCrop(224)`, `ToTensor()`,
 * `Normalize(mean, std)`. Sizes scale with the model's input (a 320x320 model resizes to 366).
 */
import sharp, { type Sharp } from 'sharp';

/** Largest image (in pixels) we agree to decode: 100 megapixels, about 300 MB of RGB. */
export const MAX_INPUT_PIXELS = 100_000_000;

/** Images with alpha up to this size are decoded in two passes to drop alpha exactly as PIL does. */
const MAX_TWO_PASS_PIXELS = 16_000_000;

/** ImageNet channel statistics, RGB order, on the [0, 1] scale. */
export const IMAGENET_MEAN = [0.485, 0.456, 0.406] as const;
export const IMAGENET_STD = [0.229, 0.224, 0.225] as const;

/** The resize/crop ratio of the standard evaluation transform (256 / 224). */
export const RESIZE_RATIO = 256 / 224;

/** What the model takes: a `height` x `width` crop, three channels. */
export interface InputSize {
  height: number;
  width: number;
}

/** An image that could not be decoded; the message says why. */
export class ImageDecodeError extends Error {
  override name = 'ImageDecodeError';
}

// libvips: one thread per image (we decode several images at once) and no operation cache
// (every image is new, and the cache only holds memory).
sharp.concurrency(1);
sharp.cache(false);
// Inputs are untrusted photos: vector documents (SVG) are not rendered.
sharp.block({ operation: ['VipsForeignLoadSvg'] });

/** Python's `round()`: halves go to the even neighbour. */
export function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const diff = x - floor;
  if (diff > 0.5) return floor + 1;
  if (diff < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

/** Resize target and crop window of one image, in the oriented image's coordinates. */
export interface ResizePlan {
  resizeWidth: number;
  resizeHeight: number;
  left: number;
  top: number;
}

/**
 * torchvision's geometry. For a square crop the short side becomes `round(crop * 256 / 224)` and
 * the long side `int(short * long / short_in)`; the crop offset is `round((size - crop) / 2)`,
 * rounding halves to even. A non-square crop scales so that both sides cover the crop with the
 * same margin.
 */
export function planResize(width: number, height: number, crop: InputSize): ResizePlan {
  let resizeWidth: number;
  let resizeHeight: number;
  if (crop.width === crop.height) {
    const short = Math.round(crop.width * RESIZE_RATIO);
    if (width <= height) {
      resizeWidth = short;
      resizeHeight = Math.floor((short * height) / width);
    } else {
      resizeHeight = short;
      resizeWidth = Math.floor((short * width) / height);
    }
  } else {
    const scale = Math.max(crop.width / width, crop.height / height) * RESIZE_RATIO;
    resizeWidth = Math.max(crop.width, Math.floor(width * scale));
    resizeHeight = Math.max(crop.height, Math.floor(height * scale));
  }
  // Extreme aspect ratios can truncate the long side below the crop; never crop outside.
  resizeWidth = Math.max(resizeWidth, crop.width);
  resizeHeight = Math.max(resizeHeight, crop.height);
  return {
    resizeWidth,
    resizeHeight,
    left: roundHalfEven((resizeWidth - crop.width) / 2),
    top: roundHalfEven((resizeHeight - crop.height) / 2),
  };
}

/** Per-channel lookup: byte value -> normalised float, computed as torchvision does. */
const NORMALISE_LUT: Float32Array[] = [0, 1, 2].map((c) => {
  const lut = new Float32Array(256);
  const mean = IMAGENET_MEAN[c] as number;
  const std = IMAGENET_STD[c] as number;
  for (let v = 0; v < 256; v++) lut[v] = (v / 255 - mean) / std;
  return lut;
});

/**
 * Interleaved RGB bytes (HWC) to normalised planar floats (CHW), written into `out` at `offset`.
 */
export function normaliseInto(rgb: Uint8Array, out: Float32Array, offset = 0): void {
  const pixels = rgb.length / 3;
  const [lr, lg, lb] = NORMALISE_LUT as [Float32Array, Float32Array, Float32Array];
  const g0 = offset + pixels;
  const b0 = offset + 2 * pixels;
  for (let i = 0, j = 0; i < pixels; i++, j += 3) {
    out[offset + i] = lr[rgb[j] as number] as number;
    out[g0 + i] = lg[rgb[j + 1] as number] as number;
    out[b0 + i] = lb[rgb[j + 2] as number] as number;
  }
}

/** Decoded dimensions after EXIF orientation; fails for anything that is not a readable image. */
async function orientedSize(bytes: Buffer): Promise<{ width: number; height: number; hasAlpha: boolean }> {
  const meta = await sharp(bytes, { limitInputPixels: MAX_INPUT_PIXELS }).metadata();
  if (!meta.width || !meta.height) throw new ImageDecodeError('image has no dimensions');
  const pixels = meta.width * meta.height;
  if (pixels > MAX_INPUT_PIXELS) {
    throw new ImageDecodeError(
      `image is ${meta.width}x${meta.height} (${(pixels / 1e6).toFixed(0)} MP), over the ${MAX_INPUT_PIXELS / 1e6} MP decode limit`,
    );
  }
  const swap = (meta.orientation ?? 1) >= 5;
  return {
    width: swap ? meta.height : meta.width,
    height: swap ? meta.width : meta.height,
    hasAlpha: meta.hasAlpha === true,
  };
}

/**
 * The model's view of one image, as interleaved 8-bit sRGB (`height x width x 3`): decoded,
 * oriented by EXIF, converted to sRGB (any colour space, bit depth; alpha dropped as PIL's
 * `convert('RGB')` does), resized with the bilinear kernel and centre-cropped.
 */
export async function cropRgb(bytes: Buffer, size: InputSize): Promise<Buffer> {
  if (bytes.length === 0) throw new ImageDecodeError('empty file (0 bytes)');
  let source = bytes;
  let dims: { width: number; height: number; hasAlpha: boolean };
  try {
    dims = await orientedSize(bytes);
    if (dims.hasAlpha && dims.width * dims.height <= MAX_TWO_PASS_PIXELS) {
      // Drop alpha before resizing: resizing with alpha would premultiply the colours. (Huge
      // images skip this exact path rather than hold their whole decoded image in memory.)
      const { data, info } = await decoder(bytes)
        .rotate()
        .toColourspace('srgb')
        .removeAlpha()
        .raw({ depth: 'uchar' })
        .toBuffer({ resolveWithObject: true });
      source = data;
      const raw = { width: info.width, height: info.height, channels: info.channels };
      return await resizeAndCrop(
        sharp(source, { raw, limitInputPixels: MAX_INPUT_PIXELS }),
        dims,
        size,
        false,
      );
    }
    return await resizeAndCrop(decoder(bytes), dims, size, true);
  } catch (err) {
    if (err instanceof ImageDecodeError) throw err;
    throw new ImageDecodeError(`cannot decode image: ${describeSharpError(err)}`, { cause: err });
  }
}

function decoder(bytes: Buffer): Sharp {
  return sharp(bytes, {
    limitInputPixels: MAX_INPUT_PIXELS,
    failOn: 'warning',
    animated: false,
    // Pixel values as stored, as PIL (and so torchvision training) reads them: no ICC transform.
    ignoreIcc: true,
  });
}

async function resizeAndCrop(
  image: Sharp,
  dims: { width: number; height: number },
  size: InputSize,
  orient: boolean,
): Promise<Buffer> {
  const plan = planResize(dims.width, dims.height, size);
  const pipeline = orient ? image.rotate() : image;
  const data = await pipeline
    .toColourspace('srgb')
    .resize(plan.resizeWidth, plan.resizeHeight, { fit: 'fill', kernel: 'linear' })
    .extract({ left: plan.left, top: plan.top, width: size.width, height: size.height })
    .removeAlpha()
    .raw({ depth: 'uchar' })
    .toBuffer();
  if (data.length !== size.width * size.height * 3) {
    throw new ImageDecodeError(
      `decoder returned ${data.length} bytes, expected ${size.width * size.height * 3}`,
    );
  }
  return data;
}

function describeSharpError(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  if (/unsupported image format/i.test(text)) return 'not an image (unsupported or unknown format)';
  if (/pixel limit/i.test(text)) return `image larger than the ${MAX_INPUT_PIXELS / 1e6} MP decode limit`;
  return text.split('\n')[0]?.trim() || 'unknown decoder error';
}

/**
 * One image's model input: normalised float32, planar `3 x height x width` (one item of an NCHW
 * batch). Throws {@link ImageDecodeError} for bytes that are not a decodable image.
 */
export async function preprocessImage(bytes: Buffer, size: InputSize): Promise<Float32Array> {
  const rgb = await cropRgb(bytes, size);
  const out = new Float32Array(3 * size.width * size.height);
  normaliseInto(rgb, out);
  return out;
}
