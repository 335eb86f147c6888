import { describe, expect, it } from 'vitest';
import { presetValues } from '../protocol/preprocess-presets.js';
import type { ResolvedPreprocess } from '../protocol/preprocess.js';
import { tensorWriter } from './tensor.js';

/** A 2x3 image (H x W), pixel i has channels (10 i, 10 i + 1, 10 i + 2). */
const H = 2;
const W = 3;
const rgb = Uint8Array.from({ length: H * W * 3 }, (_, k) => 10 * Math.floor(k / 3) + (k % 3));

const base: ResolvedPreprocess = { ...presetValues('imagenet'), size: { height: H, width: W } };

describe('tensorWriter', () => {
  it('writes planar float32 for NCHW, with each channel normalised by its own statistics', () => {
    const p = {
      ...base,
      scale: 1,
      mean: [1, 2, 3] as [number, number, number],
      std: [1, 2, 4] as [number, number, number],
    };
    const w = tensorWriter(p);
    expect(w.imageShape).toEqual([3, H, W]);
    const batch = w.allocate(2);
    expect(batch).toBeInstanceOf(Float32Array);
    w.write(rgb, batch, 1);
    const image = Array.from(batch.subarray(w.perImage));
    const r = [0, 10, 20, 30, 40, 50].map((v) => v - 1);
    const g = [1, 11, 21, 31, 41, 51].map((v) => (v - 2) / 2);
    const b = [2, 12, 22, 32, 42, 52].map((v) => (v - 3) / 4);
    expect(image).toEqual([...r, ...g, ...b]);
    expect(Array.from(batch.subarray(0, w.perImage)).every((v) => v === 0)).toBe(true);
  });

  it('reverses the channels for BGR and interleaves them for NHWC', () => {
    const p: ResolvedPreprocess = {
      ...base,
      scale: 1,
      mean: [0, 0, 0],
      std: [1, 1, 1],
      channels: 'BGR',
      layout: 'NHWC',
    };
    const w = tensorWriter(p);
    expect(w.imageShape).toEqual([H, W, 3]);
    const batch = w.allocate(1);
    w.write(rgb, batch, 0);
    expect(Array.from(batch.subarray(0, 6))).toEqual([2, 1, 0, 12, 11, 10]);
  });

  it('divides by 255 as ToTensor does for scale 1/255', () => {
    const w = tensorWriter(base);
    const batch = w.allocate(1);
    w.write(rgb, batch, 0);
    expect(batch[1]).toBe(Math.fround((10 / 255 - 0.485) / 0.229));
  });

  it.each([
    ['NHWC', 'RGB', [0, 1, 2, 10, 11, 12]],
    ['NHWC', 'BGR', [2, 1, 0, 12, 11, 10]],
    ['NCHW', 'RGB', [0, 10, 20, 30, 40, 50]],
    ['NCHW', 'BGR', [2, 12, 22, 32, 42, 52]],
  ] as const)('copies raw bytes for uint8 %s %s', (layout, channels, start) => {
    const p: ResolvedPreprocess = {
      ...base,
      scale: 1,
      mean: [0, 0, 0],
      std: [1, 1, 1],
      dtype: 'uint8',
      layout,
      channels,
    };
    const w = tensorWriter(p);
    const batch = w.allocate(2);
    expect(batch).toBeInstanceOf(Uint8Array);
    w.write(rgb, batch, 1);
    expect(Array.from(batch.subarray(w.perImage, w.perImage + 6))).toEqual(start);
    const sum = (xs: ArrayLike<number>): number => Array.from(xs).reduce((a, v) => a + v, 0);
    expect(sum(batch.subarray(w.perImage))).toBe(sum(rgb));
  });
});
