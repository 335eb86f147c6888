/**
 * Pillow's resize (`ImagingResample`) for the cases libvips does differently: enlarging (libvips
 * does not sample at pixel centres there) and nearest neighbour (Pillow takes the source pixel
 * `floor((o + 0.5) * in / out)`). Separable, horizontal pass then vertical, each rounded to
 * 8 bits as Pillow does; only the window that is kept is computed, so a crop of a huge resize
 * costs the crop's size.
 */
import type { Interpolation } from '../protocol/preprocess.js';
import type { Rect } from './image-geometry.js';

/** Interleaved 8-bit RGB pixels. */
export interface RgbPixels {
  width: number;
  height: number;
  data: Uint8Array;
}

type Kernel = { support: number; weight: (x: number) => number };

const KERNELS: Record<Exclude<Interpolation, 'nearest'>, Kernel> = {
  bilinear: { support: 1, weight: (x) => Math.max(0, 1 - Math.abs(x)) },
  // Keys' cubic with a = -0.5, as Pillow's BICUBIC.
  bicubic: {
    support: 2,
    weight: (t) => {
      const x = Math.abs(t);
      if (x < 1) return (1.5 * x - 2.5) * x * x + 1;
      if (x < 2) return ((-0.5 * x + 2.5) * x - 4) * x + 2;
      return 0;
    },
  },
};

/** Taps of output positions `from .. from + count - 1` of an axis resized `inLen -> outLen`. */
interface Taps {
  first: Int32Array;
  count: Int32Array;
  weights: Float64Array;
  stride: number;
}

function axisTaps(inLen: number, outLen: number, from: number, count: number, kernel: Kernel): Taps {
  const scale = inLen / outLen;
  const filterScale = Math.max(scale, 1);
  const support = kernel.support * filterScale;
  const stride = Math.ceil(support) * 2 + 1;
  const taps: Taps = {
    first: new Int32Array(count),
    count: new Int32Array(count),
    weights: new Float64Array(count * stride),
    stride,
  };
  for (let k = 0; k < count; k++) {
    const center = (from + k + 0.5) * scale;
    const lo = Math.max(Math.trunc(center - support + 0.5), 0);
    const hi = Math.min(Math.trunc(center + support + 0.5), inLen);
    let total = 0;
    for (let i = lo; i < hi; i++) {
      const w = kernel.weight((i - center + 0.5) / filterScale);
      taps.weights[k * stride + i - lo] = w;
      total += w;
    }
    for (let i = 0; i < hi - lo; i++)
      taps.weights[k * stride + i] = (taps.weights[k * stride + i] as number) / total;
    taps.first[k] = lo;
    taps.count[k] = hi - lo;
  }
  return taps;
}

/**
 * The `window` of `src` resized to `outWidth x outHeight` with `interpolation`, as Pillow's
 * `Image.resize` computes it (`window` lies inside the resized image).
 */
export function resampleWindow(
  src: RgbPixels,
  outWidth: number,
  outHeight: number,
  window: Rect,
  interpolation: Interpolation,
): Uint8Array {
  const out = new Uint8Array(window.width * window.height * 3);
  if (interpolation === 'nearest') {
    const xs = Int32Array.from({ length: window.width }, (_, k) =>
      Math.min(src.width - 1, Math.floor(((window.left + k + 0.5) * src.width) / outWidth)),
    );
    for (let y = 0; y < window.height; y++) {
      const sy = Math.min(src.height - 1, Math.floor(((window.top + y + 0.5) * src.height) / outHeight));
      const row = sy * src.width;
      for (let x = 0; x < window.width; x++) {
        const s = (row + (xs[x] as number)) * 3;
        const d = (y * window.width + x) * 3;
        out[d] = src.data[s] as number;
        out[d + 1] = src.data[s + 1] as number;
        out[d + 2] = src.data[s + 2] as number;
      }
    }
    return out;
  }
  const kernel = KERNELS[interpolation];
  const horizontal = outWidth !== src.width;
  const vertical = outHeight !== src.height;
  const v = vertical ? axisTaps(src.height, outHeight, window.top, window.height, kernel) : null;
  // Source rows the vertical pass reads.
  const rowLo = v ? (v.first[0] as number) : window.top;
  const rowHi = v
    ? (v.first[window.height - 1] as number) + (v.count[window.height - 1] as number)
    : window.top + window.height;
  const rows = rowHi - rowLo;
  // Horizontal pass over those rows, window columns only.
  const mid = new Uint8Array(rows * window.width * 3);
  const data = src.data;
  if (horizontal) {
    const h = axisTaps(src.width, outWidth, window.left, window.width, kernel);
    const { first, count, weights, stride } = h;
    for (let r = 0; r < rows; r++) {
      const row = (rowLo + r) * src.width;
      let d = r * window.width * 3;
      for (let x = 0; x < window.width; x++, d += 3) {
        const n = count[x] as number;
        let s = (row + (first[x] as number)) * 3;
        let k = x * stride;
        let r0 = 0;
        let g0 = 0;
        let b0 = 0;
        for (let t = 0; t < n; t++, s += 3, k++) {
          const w = weights[k] as number;
          r0 += (data[s] as number) * w;
          g0 += (data[s + 1] as number) * w;
          b0 += (data[s + 2] as number) * w;
        }
        mid[d] = r0 <= 0 ? 0 : r0 >= 255 ? 255 : Math.round(r0);
        mid[d + 1] = g0 <= 0 ? 0 : g0 >= 255 ? 255 : Math.round(g0);
        mid[d + 2] = b0 <= 0 ? 0 : b0 >= 255 ? 255 : Math.round(b0);
      }
    }
  } else {
    for (let r = 0; r < rows; r++) {
      const s = ((rowLo + r) * src.width + window.left) * 3;
      mid.set(data.subarray(s, s + window.width * 3), r * window.width * 3);
    }
  }
  if (!v) return mid;
  // Vertical pass: each output row is a weighted sum of source rows, summed in tap order.
  const line = window.width * 3;
  const vWeights = v.weights;
  for (let y = 0; y < window.height; y++) {
    const first = ((v.first[y] as number) - rowLo) * line;
    const n = v.count[y] as number;
    const k = y * v.stride;
    const at = y * line;
    for (let i = 0; i < line; i++) {
      let value = 0;
      for (let t = 0, row = first + i; t < n; t++, row += line)
        value += (mid[row] as number) * (vWeights[k + t] as number);
      out[at + i] = value <= 0 ? 0 : value >= 255 ? 255 : Math.round(value);
    }
  }
  return out;
}
