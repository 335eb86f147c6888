/**
 * Each preset on images with known pixels, against values computed here from the preset's
 * reference convention (torchvision, TF-slim/Keras, OpenAI CLIP, Caffe, TF Lite): the geometry
 * written out by hand, Pillow's resampling (test/support), the normalisation formula, the
 * channel order and the layout. An image that needs no resampling must match exactly; a
 * resampled one within 2 grey levels (libvips against Pillow).
 */
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import {
  cropImage,
  maxAbsDiff,
  pilResize,
  referenceTensor,
  rgbImage,
  type RgbImage,
} from '../../test/support/reference-preprocess.js';
import { resolvePreprocess } from '../protocol/preprocess-resolve.js';
import type { PresetName } from '../protocol/preprocess-presets.js';
import { preprocessInput } from './preprocess.js';

const RGB = [0, 1, 2] as const;
const BGR = [2, 1, 0] as const;
const IMAGENET = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };
const CLIP = {
  mean: [0.48145466, 0.4578275, 0.40821073],
  std: [0.26862954, 0.26130258, 0.27577711],
};

/** What the reference computes: the model's pixels, and how they become values. */
interface Reference {
  pixels: RgbImage;
  order: readonly [number, number, number];
  scale: number;
  mean: readonly number[];
  std: readonly number[];
  layout: 'NCHW' | 'NHWC';
  dtype: 'float32' | 'uint8';
}

/** A smooth image (as photos mostly are): three different waves, one per channel. */
const pattern = (w: number, h: number): RgbImage =>
  rgbImage(w, h, (x, y) => [
    128 + 100 * Math.sin(x / 9) * Math.cos(y / 13),
    128 + 90 * Math.cos((x + 2 * y) / 17),
    (x / w) * 200 + (y / h) * 50,
  ]);

async function ours(img: RgbImage, preset: PresetName): Promise<Float32Array | Uint8Array> {
  const png = await sharp(Buffer.from(img.data), {
    raw: { width: img.width, height: img.height, channels: 3 },
  })
    .png()
    .toBuffer();
  const { preprocess, issues } = resolvePreprocess([{ from: 'test', spec: { preset } }], null);
  expect(issues).toEqual([]);
  return preprocessInput(png, preprocess);
}

function expected(ref: Reference): Float64Array {
  if (ref.dtype === 'uint8')
    return referenceTensor(ref.pixels, { ...ref, scale: 1, mean: [0, 0, 0], std: [1, 1, 1] });
  return referenceTensor(ref.pixels, ref);
}

/** One grey level in the tensor's units (the largest over the channels). */
const level = (ref: Reference): number => (ref.dtype === 'uint8' ? 1 : ref.scale / Math.min(...ref.std));

interface Case {
  preset: PresetName;
  /** An image that needs no resampling, and the reference's pixels of it. */
  exact: { image: RgbImage; pixels: (img: RgbImage) => RgbImage };
  /** A 400x300 image, and the reference's pixels of it. */
  resampled: (img: RgbImage) => RgbImage;
  values: Omit<Reference, 'pixels'>;
}

const CASES: Case[] = [
  {
    // torchvision: Resize(256) bilinear on the shorter side (long side int(256 * 400 / 300) =
    // 341), CenterCrop(224) at round((341 - 224) / 2) = 58 (halves to even), 16.
    preset: 'imagenet',
    exact: { image: pattern(256, 256), pixels: (img) => cropImage(img, 16, 16, 224, 224) },
    resampled: (img) => cropImage(pilResize(img, 341, 256, 'bilinear'), 58, 16, 224, 224),
    values: { order: RGB, scale: 1 / 255, ...IMAGENET, layout: 'NCHW', dtype: 'float32' },
  },
  {
    // TF-slim: central_crop(0.875) (start int((n - 0.875 n) / 2): 25, 18 of 400x300, keeping
    // 350x264), bilinear resize to 299x299; Keras mode 'tf': x / 127.5 - 1; NHWC.
    preset: 'inception',
    exact: { image: pattern(341, 341), pixels: (img) => cropImage(img, 21, 21, 299, 299) },
    resampled: (img) => pilResize(cropImage(img, 25, 18, 350, 264), 299, 299, 'bilinear'),
    values: {
      order: RGB,
      scale: 1 / 255,
      mean: [0.5, 0.5, 0.5],
      std: [0.5, 0.5, 0.5],
      layout: 'NHWC',
      dtype: 'float32',
    },
  },
  {
    // CLIP: Resize(224, BICUBIC) on the shorter side (298x224), CenterCrop(224) at 37, 0.
    preset: 'clip',
    exact: { image: pattern(224, 224), pixels: (img) => img },
    resampled: (img) => cropImage(pilResize(img, 298, 224, 'bicubic'), 37, 0, 224, 224),
    values: { order: RGB, scale: 1 / 255, ...CLIP, layout: 'NCHW', dtype: 'float32' },
  },
  {
    // Caffe: BGR, 0-255, minus the mean pixel B 103.939, G 116.779, R 123.68; torchvision geometry.
    preset: 'caffe',
    exact: { image: pattern(256, 256), pixels: (img) => cropImage(img, 16, 16, 224, 224) },
    resampled: (img) => cropImage(pilResize(img, 341, 256, 'bilinear'), 58, 16, 224, 224),
    values: {
      order: BGR,
      scale: 1,
      mean: [103.939, 116.779, 123.68],
      std: [1, 1, 1],
      layout: 'NCHW',
      dtype: 'float32',
    },
  },
  {
    // TF Lite: TF-slim geometry at 224 (central_crop(0.875) of 400x300: 350x264 at 25, 18), raw uint8, NHWC.
    preset: 'uint8-nhwc',
    exact: { image: pattern(256, 256), pixels: (img) => cropImage(img, 16, 16, 224, 224) },
    resampled: (img) => pilResize(cropImage(img, 25, 18, 350, 264), 224, 224, 'bilinear'),
    values: { order: RGB, scale: 1, mean: [0, 0, 0], std: [1, 1, 1], layout: 'NHWC', dtype: 'uint8' },
  },
];

describe.each(CASES)('preset $preset', ({ preset, exact, resampled, values }) => {
  it('equals the reference exactly on an image that needs no resampling', async () => {
    const ref = { ...values, pixels: exact.pixels(exact.image) };
    const got = await ours(exact.image, preset);
    expect(got).toBeInstanceOf(values.dtype === 'uint8' ? Uint8Array : Float32Array);
    expect(maxAbsDiff(got, expected(ref))).toBeLessThan(1e-5);
  });

  it('matches the reference within 2 grey levels on a resampled 400x300 image', async () => {
    const image = pattern(400, 300);
    const ref = { ...values, pixels: resampled(image) };
    const got = await ours(image, preset);
    expect(maxAbsDiff(got, expected(ref))).toBeLessThanOrEqual(2 * level(ref) + 1e-5);
    // The channel order and layout matter: the same pixels read the other way differ widely.
    const swapped = expected({ ...ref, order: ref.order[0] === 0 ? BGR : RGB });
    expect(maxAbsDiff(got, swapped)).toBeGreaterThan(20 * level(ref));
    const relaid = expected({ ...ref, layout: ref.layout === 'NCHW' ? 'NHWC' : 'NCHW' });
    expect(maxAbsDiff(got, relaid)).toBeGreaterThan(20 * level(ref));
  });
});
