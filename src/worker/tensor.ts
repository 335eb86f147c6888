/**
 * Cropped RGB pixels to a model's input tensor, in one tight loop per layout and dtype: channel
 * order, layout and normalisation are folded into per-channel lookup tables built once per
 * preprocessing, so each pixel costs three table reads and three stores.
 */
import { elementsPerImage, imageShape, type ResolvedPreprocess } from '../protocol/preprocess.js';
import { batchBuffers } from './batch-buffers.js';

/** A batch of model inputs: float32 or uint8, as the preprocessing says. */
export type InputBatch = Float32Array | Uint8Array;

/** Writes one image's tensor into a batch, and makes batches of the right type. */
export interface TensorWriter {
  readonly dtype: ResolvedPreprocess['dtype'];
  /** Elements of one image's tensor. */
  readonly perImage: number;
  /** The shape of one image's tensor (`[3, H, W]` or `[H, W, 3]`). */
  readonly imageShape: readonly number[];
  /**
   * A batch of `count` images, in memory that earlier batches may have used (`batch-buffers.ts`):
   * every slot must be written.
   */
  allocate(count: number): InputBatch;
  /** Writes interleaved RGB bytes (`H x W x 3`) as image `slot` of `batch`. */
  write(rgb: Uint8Array, batch: InputBatch, slot: number): void;
}

/**
 * The value of byte `v` in each model channel: `(v * scale - mean[c]) / std[c]`, computed in
 * double precision and stored as float32 (`1/255` is applied as a division by 255, as
 * torchvision's `ToTensor` does).
 */
export function channelTables(p: ResolvedPreprocess): [Float32Array, Float32Array, Float32Array] {
  const byScale = (v: number): number => (p.scale === 1 / 255 ? v / 255 : v * p.scale);
  return [0, 1, 2].map((c) => {
    const lut = new Float32Array(256);
    const mean = p.mean[c] as number;
    const std = p.std[c] as number;
    for (let v = 0; v < 256; v++) lut[v] = (byScale(v) - mean) / std;
    return lut;
  }) as [Float32Array, Float32Array, Float32Array];
}

/** The writer of `p`'s tensors. */
export function tensorWriter(p: ResolvedPreprocess): TensorWriter {
  const perImage = elementsPerImage(p);
  const pixels = p.size.height * p.size.width;
  // Model channel c reads RGB byte `source[c]` of a pixel.
  const bgr = p.channels === 'BGR';
  const [s0, s1, s2] = bgr ? [2, 1, 0] : [0, 1, 2];
  const base = { dtype: p.dtype, perImage, imageShape: imageShape(p) };
  if (p.dtype === 'uint8') {
    return {
      ...base,
      allocate: (count) => new Uint8Array(batchBuffers.take(count * perImage)),
      write(rgb, batch, slot) {
        const offset = slot * perImage;
        if (p.layout === 'NHWC' && !bgr) {
          batch.set(rgb, offset);
          return;
        }
        if (p.layout === 'NHWC') {
          for (let i = 0, j = offset; i < rgb.length; i += 3, j += 3) {
            batch[j] = rgb[i + 2] as number;
            batch[j + 1] = rgb[i + 1] as number;
            batch[j + 2] = rgb[i] as number;
          }
          return;
        }
        const c1 = offset + pixels;
        const c2 = offset + 2 * pixels;
        for (let i = 0, j = 0; i < pixels; i++, j += 3) {
          batch[offset + i] = rgb[j + s0] as number;
          batch[c1 + i] = rgb[j + s1] as number;
          batch[c2 + i] = rgb[j + s2] as number;
        }
      },
    };
  }
  const [l0, l1, l2] = channelTables(p);
  return {
    ...base,
    allocate: (count) => new Float32Array(batchBuffers.take(count * perImage * 4)),
    write(rgb, batch, slot) {
      const offset = slot * perImage;
      if (p.layout === 'NHWC') {
        for (let j = 0, k = offset; j < rgb.length; j += 3, k += 3) {
          batch[k] = l0[rgb[j + s0] as number] as number;
          batch[k + 1] = l1[rgb[j + s1] as number] as number;
          batch[k + 2] = l2[rgb[j + s2] as number] as number;
        }
        return;
      }
      const c1 = offset + pixels;
      const c2 = offset + 2 * pixels;
      for (let i = 0, j = 0; i < pixels; i++, j += 3) {
        batch[offset + i] = l0[rgb[j + s0] as number] as number;
        batch[c1 + i] = l1[rgb[j + s1] as number] as number;
        batch[c2 + i] = l2[rgb[j + s2] as number] as number;
      }
    },
  };
}
