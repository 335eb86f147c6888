/**
 * Reference image operations for tests, written from the reference libraries' definitions and
 * independent of the code under test: Pillow's separable resampling (bilinear, bicubic with
 * a = -0.5, antialiased when shrinking) and its nearest-neighbour resize, crops, padding, and the
 * per-channel normalisation of torchvision, CLIP, Keras and Caffe. Images are interleaved 8-bit
 * RGB (`height x width x 3`).
 */

/** An interleaved RGB image. */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** An RGB image whose pixel (x, y) is `f(x, y)` (values clamped and rounded to bytes). */
export function rgbImage(
  width: number,
  height: number,
  f: (x: number, y: number) => readonly [number, number, number],
): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      data.set(
        f(x, y).map((v) => Math.max(0, Math.min(255, Math.round(v)))),
        (y * width + x) * 3,
      );
  return { width, height, data };
}

type Filter = { support: number; weight: (x: number) => number };

const FILTERS: Record<'bilinear' | 'bicubic', Filter> = {
  bilinear: { support: 1, weight: (x) => Math.max(0, 1 - Math.abs(x)) },
  bicubic: {
    support: 2,
    weight: (t) => {
      const a = -0.5;
      const x = Math.abs(t);
      if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
      if (x < 2) return (((x - 5) * x + 8) * x - 4) * a;
      return 0;
    },
  },
};

/** One axis of Pillow's `ImagingResample`: weights per output position. */
function axisWeights(inLen: number, outLen: number, filter: Filter): Array<{ lo: number; w: number[] }> {
  const scale = inLen / outLen;
  const filterScale = Math.max(scale, 1);
  const support = filter.support * filterScale;
  return Array.from({ length: outLen }, (_, o) => {
    const center = (o + 0.5) * scale;
    const lo = Math.max(Math.trunc(center - support + 0.5), 0);
    const hi = Math.min(Math.trunc(center + support + 0.5), inLen);
    const w: number[] = [];
    for (let i = lo; i < hi; i++) w.push(filter.weight((i - center + 0.5) / filterScale));
    const total = w.reduce((a, b) => a + b, 0);
    return { lo, w: w.map((v) => v / total) };
  });
}

/**
 * Pillow's `Image.resize(size, BILINEAR | BICUBIC | NEAREST)`: separable convolution (horizontal
 * pass, then vertical), each pass rounded to 8 bits as Pillow does; nearest takes the source
 * pixel `floor((o + 0.5) * in / out)`.
 */
export function pilResize(
  img: RgbImage,
  outW: number,
  outH: number,
  interpolation: 'bilinear' | 'bicubic' | 'nearest',
): RgbImage {
  const { width: w, height: h, data } = img;
  const out = new Uint8Array(outW * outH * 3);
  if (interpolation === 'nearest') {
    for (let y = 0; y < outH; y++) {
      const sy = Math.min(h - 1, Math.floor(((y + 0.5) * h) / outH));
      for (let x = 0; x < outW; x++) {
        const sx = Math.min(w - 1, Math.floor(((x + 0.5) * w) / outW));
        out.set(data.subarray((sy * w + sx) * 3, (sy * w + sx) * 3 + 3), (y * outW + x) * 3);
      }
    }
    return { width: outW, height: outH, data: out };
  }
  const filter = FILTERS[interpolation];
  const clamp = (v: number): number => Math.max(0, Math.min(255, Math.round(v)));
  // Horizontal pass (skipped when the width does not change, as Pillow does).
  let mid = data;
  if (outW !== w) {
    const xs = axisWeights(w, outW, filter);
    mid = new Uint8Array(h * outW * 3);
    for (let y = 0; y < h; y++)
      xs.forEach(({ lo, w: ws }, x) => {
        for (let c = 0; c < 3; c++) {
          let acc = 0;
          ws.forEach((wt, k) => (acc += (data[(y * w + lo + k) * 3 + c] as number) * wt));
          mid[(y * outW + x) * 3 + c] = clamp(acc);
        }
      });
  }
  if (outH === h) return { width: outW, height: outH, data: mid };
  const ys = axisWeights(h, outH, filter);
  ys.forEach(({ lo, w: ws }, y) => {
    for (let x = 0; x < outW; x++)
      for (let c = 0; c < 3; c++) {
        let acc = 0;
        ws.forEach((wt, k) => (acc += (mid[((lo + k) * outW + x) * 3 + c] as number) * wt));
        out[(y * outW + x) * 3 + c] = clamp(acc);
      }
  });
  return { width: outW, height: outH, data: out };
}

/** The rectangle at (`left`, `top`) of `width x height`. */
export function cropImage(img: RgbImage, left: number, top: number, width: number, height: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++)
    data.set(
      img.data.subarray(((top + y) * img.width + left) * 3, ((top + y) * img.width + left + width) * 3),
      y * width * 3,
    );
  return { width, height, data };
}

/** `img` centred on a `width x height` canvas of `value`, at (`left`, `top`). */
export function padImage(
  img: RgbImage,
  width: number,
  height: number,
  left: number,
  top: number,
  value: readonly [number, number, number],
): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) data.set(value, i * 3);
  for (let y = 0; y < img.height; y++)
    data.set(img.data.subarray(y * img.width * 3, (y + 1) * img.width * 3), ((top + y) * width + left) * 3);
  return { width, height, data };
}

/**
 * The model input of `img`: channel `c` of the model reads RGB channel `order[c]`, and each value
 * is `(p * scale - mean[c]) / std[c]` in double precision; laid out planar (NCHW) or interleaved.
 */
export function referenceTensor(
  img: RgbImage,
  options: {
    order: readonly [number, number, number];
    scale: number;
    mean: readonly number[];
    std: readonly number[];
    layout: 'NCHW' | 'NHWC';
  },
): Float64Array {
  const pixels = img.width * img.height;
  const out = new Float64Array(3 * pixels);
  for (let i = 0; i < pixels; i++)
    for (let c = 0; c < 3; c++) {
      const p = img.data[i * 3 + (options.order[c] as number)] as number;
      const v = (p * options.scale - (options.mean[c] as number)) / (options.std[c] as number);
      out[options.layout === 'NCHW' ? c * pixels + i : i * 3 + c] = v;
    }
  return out;
}

/** Largest absolute difference of two equally long arrays. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} and ${b.length}`);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs((a[i] as number) - (b[i] as number)));
  return max;
}
