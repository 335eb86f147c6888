import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import {
  cropImage,
  maxAbsDiff,
  pilResize,
  referenceTensor,
  rgbImage,
} from '../../test/support/reference-preprocess.js';
import {
  IMAGENET_MEAN,
  IMAGENET_STD,
  cropRgb as cropRgbWith,
  imagenetAt,
  preprocessImage,
} from './preprocess.js';

const SIZE = { width: 224, height: 224 };
const IMAGENET = imagenetAt(SIZE);
const cropRgb = (bytes: Buffer, p = IMAGENET): Promise<Buffer> => cropRgbWith(bytes, p);

/** An RGB image whose pixel (x, y) is `f(x, y)`, as raw bytes. */
function rawImage(
  width: number,
  height: number,
  f: (x: number, y: number) => [number, number, number],
): Buffer {
  return Buffer.from(rgbImage(width, height, f).data);
}

function png(data: Buffer, width: number, height: number, channels: 1 | 2 | 3 | 4 = 3): Promise<Buffer> {
  return sharp(data, { raw: { width, height, channels } }).png().toBuffer();
}

function crop(src: Buffer, w: number, left: number, top: number, cw: number, ch: number): Buffer {
  const h = src.length / 3 / w;
  return Buffer.from(cropImage({ width: w, height: h, data: src }, left, top, cw, ch).data);
}

/** The expected model input, computed here from 8-bit RGB: (v / 255 - mean) / std, planar. */
function expectedTensor(rgb: Buffer, pixels: number): Float64Array {
  const side = Math.sqrt(pixels);
  return referenceTensor(
    { width: side, height: side, data: rgb },
    { order: [0, 1, 2], scale: 1 / 255, mean: IMAGENET_MEAN, std: IMAGENET_STD, layout: 'NCHW' },
  );
}

describe('preprocessImage numerics', () => {
  it('equals the crop of an image that needs no resize, normalised with ImageNet statistics', async () => {
    const [w, h] = [320, 256];
    const raw = rawImage(w, h, (x, y) => [(x * 5 + y) % 256, (y * 3) % 256, (x * y) % 256]);
    const tensor = await preprocessImage(await png(raw, w, h), SIZE);
    const expected = expectedTensor(crop(raw, w, 48, 16, 224, 224), 224 * 224);
    expect(maxAbsDiff(tensor, expected)).toBeLessThan(1e-6);
  });

  it('matches PIL bilinear resize + torchvision centre crop within 2 grey levels', async () => {
    const [w, h] = [400, 300];
    const raw = rawImage(w, h, (x, y) => [
      128 + 100 * Math.sin(x / 9) * Math.cos(y / 13),
      128 + 90 * Math.cos((x + y) / 17),
      (x / w) * 200 + (y / h) * 50,
    ]);
    const tensor = await preprocessImage(await png(raw, w, h), SIZE);
    // torchvision: shorter side 256 (long side int(256 * 400 / 300) = 341), crop at round(58.5) = 58.
    const resized = pilResize({ width: w, height: h, data: raw }, 341, 256, 'bilinear');
    const reference = expectedTensor(Buffer.from(cropImage(resized, 58, 16, 224, 224).data), 224 * 224);
    const level = 1 / 255 / Math.min(...IMAGENET_STD);
    expect(maxAbsDiff(tensor, reference)).toBeLessThanOrEqual(2 * level + 1e-6);
    // A crop one pixel off (floor instead of round-half-even would give the same here; 59 would not).
    const shifted = expectedTensor(Buffer.from(cropImage(resized, 59, 16, 224, 224).data), 224 * 224);
    expect(maxAbsDiff(tensor, shifted)).toBeGreaterThan(4 * level);
  });

  it('enlarges small images as Pillow does (pixel centres), within 1 grey level', async () => {
    const [w, h] = [97, 61];
    const raw = rawImage(w, h, (x, y) => [(x * 37 + y * 91) % 256, (x * x + y * 7) % 256, (x * y) % 256]);
    const source = { width: w, height: h, data: raw };
    for (const interpolation of ['bilinear', 'bicubic', 'nearest'] as const) {
      const p = { ...IMAGENET, interpolation };
      const out = await cropRgb(await png(raw, w, h), p);
      // Shorter side 256: 97x61 -> 407x256, crop at (round(91.5) = 92, 16).
      const want = cropImage(pilResize(source, 407, 256, interpolation), 92, 16, 224, 224).data;
      expect(maxAbsDiff(out, want)).toBeLessThanOrEqual(1);
    }
  });

  it('takes nearest-neighbour pixels as Pillow does when shrinking', async () => {
    const [w, h] = [400, 300];
    const raw = rawImage(w, h, (x, y) => [(x * 37 + y * 91) % 256, (x * 3) % 256, (y * 5) % 256]);
    const out = await cropRgb(await png(raw, w, h), { ...IMAGENET, interpolation: 'nearest' });
    const want = cropImage(
      pilResize({ width: w, height: h, data: raw }, 341, 256, 'nearest'),
      58,
      16,
      224,
      224,
    );
    expect(maxAbsDiff(out, want.data)).toBe(0);
  });
});

describe('cropRgb formats', () => {
  const pattern = rawImage(300, 200, (x, y) => [x % 256, (y * 2) % 256, ((x + y) * 3) % 256]);

  it('drops alpha without compositing, as PIL convert("RGB") does', async () => {
    const rgba = Buffer.alloc(300 * 200 * 4);
    for (let i = 0; i < 300 * 200; i++) {
      pattern.copy(rgba, i * 4, i * 3, i * 3 + 3);
      rgba[i * 4 + 3] = i % 2 === 0 ? 0 : 255;
    }
    const withAlpha = await cropRgb(await png(rgba, 300, 200, 4));
    const opaque = await cropRgb(await png(pattern, 300, 200));
    expect(maxAbsDiff(withAlpha, opaque)).toBe(0);
  });

  it('expands grayscale to three equal channels', async () => {
    const gray = Buffer.alloc(300 * 200, 0).map((_, i) => i % 251);
    const out = await cropRgb(
      await sharp(gray, { raw: { width: 300, height: 200, channels: 1 } })
        .png()
        .toBuffer(),
    );
    for (let i = 0; i < out.length; i += 3) {
      expect(out[i + 1]).toBe(out[i]);
      expect(out[i + 2]).toBe(out[i]);
    }
  });

  it('reduces 16-bit PNG to 8 bits', async () => {
    const png16 = await sharp(pattern, { raw: { width: 300, height: 200, channels: 3 } })
      .toColourspace('rgb16')
      .png()
      .toBuffer();
    expect((await sharp(png16).metadata()).depth).toBe('ushort');
    const out = await cropRgb(png16);
    const ref = await cropRgb(await png(pattern, 300, 200));
    expect(maxAbsDiff(out, ref)).toBeLessThanOrEqual(1);
  });

  it('converts CMYK JPEG to sRGB', async () => {
    const cmyk = await sharp(pattern, { raw: { width: 300, height: 200, channels: 3 } })
      .toColourspace('cmyk')
      .jpeg({ quality: 95 })
      .toBuffer();
    expect((await sharp(cmyk).metadata()).space).toBe('cmyk');
    const out = await cropRgb(cmyk);
    const ref = await cropRgb(await png(pattern, 300, 200));
    let total = 0;
    for (let i = 0; i < out.length; i++) total += Math.abs((out[i] as number) - (ref[i] as number));
    expect(total / out.length).toBeLessThan(20);
  });

  it('reads pixel values as stored, ignoring an embedded ICC profile as PIL does', async () => {
    const [w, h] = [320, 256];
    const raw = rawImage(w, h, (x, y) => [(x * 3) % 256, (y * 5) % 256, 200]);
    const tagged = await sharp(raw, { raw: { width: w, height: h, channels: 3 } })
      .withIccProfile('p3')
      .png()
      .toBuffer();
    expect((await sharp(tagged).metadata()).hasProfile).toBe(true);
    // The file stores P3 values; a colour-managed decode converts them back towards sRGB.
    const stored = await sharp(tagged, { ignoreIcc: true }).raw().toBuffer();
    const managed = await sharp(tagged).raw().toBuffer();
    expect(maxAbsDiff(stored, managed)).toBeGreaterThan(10);
    expect(maxAbsDiff(await cropRgb(tagged), crop(stored, w, 48, 16, 224, 224))).toBe(0);
  });

  it.each(['webp', 'gif', 'tiff', 'avif', 'jpeg'] as const)('decodes %s', async (format) => {
    const bytes = await sharp(pattern, { raw: { width: 300, height: 200, channels: 3 } })
      .toFormat(format)
      .toBuffer();
    const out = await cropRgb(bytes);
    expect(out.length).toBe(224 * 224 * 3);
  });

  it('classifies tiny and very wide images instead of rejecting them', async () => {
    for (const [w, h] of [
      [3, 3],
      [1, 1],
      [4000, 20],
      [20, 4000],
    ] as const) {
      const raw = rawImage(w, h, (x, y) => [x % 256, y % 256, 100]);
      const out = await cropRgb(await png(raw, w, h));
      expect(out.length).toBe(224 * 224 * 3);
    }
  });

  it('honours EXIF orientation: the tensor equals that of the upright image', async () => {
    // Stored 256 wide x 320 high with orientation 6 (display rotated 90 degrees clockwise):
    // upright it is 320x256, which needs no resize, so the expected crop is exact.
    const stored = rawImage(256, 320, (x, y) => [x, (y * 7) % 256, (x * y) % 256]);
    const jpeg = await sharp(stored, { raw: { width: 256, height: 320, channels: 3 } })
      .jpeg({ quality: 100 })
      .withMetadata({ orientation: 6 })
      .toBuffer();
    expect((await sharp(jpeg).metadata()).orientation).toBe(6);
    const decoded = await sharp(jpeg).raw().toBuffer(); // as stored, not rotated
    const upright = rawImage(320, 256, (x, y) => {
      // Rotating 90 degrees clockwise: upright (x, y) comes from stored (y, 319 - x).
      const i = ((319 - x) * 256 + y) * 3;
      return [decoded[i] as number, decoded[i + 1] as number, decoded[i + 2] as number];
    });
    const out = await cropRgb(jpeg);
    expect(maxAbsDiff(out, crop(upright, 320, 48, 16, 224, 224))).toBe(0);
  });
});

describe('cropRgb orientation', () => {
  // 256x256 needs no resize: the output is the centre 224x224 of the upright image.
  const stored = rawImage(256, 256, (x, y) => [x, (y * 7) % 256, (x * y) % 256]);
  const jpeg = (orientation?: number): Promise<Buffer> => {
    const out = sharp(stored, { raw: { width: 256, height: 256, channels: 3 } }).jpeg({ quality: 95 });
    return (orientation ? out.withMetadata({ orientation }) : out).toBuffer();
  };

  it.each([1, 2, 3, 4, 5, 6, 7, 8])('gives the upright image for EXIF orientation %i', async (o) => {
    const bytes = await jpeg(o);
    expect((await sharp(bytes).metadata()).orientation).toBe(o);
    const upright = await sharp(bytes).rotate().raw().toBuffer();
    expect(maxAbsDiff(await cropRgb(bytes), crop(upright, 256, 16, 16, 224, 224))).toBe(0);
  });

  it('decodes a JPEG with orientation 1 as the same JPEG without EXIF', async () => {
    expect(await cropRgb(await jpeg(1))).toEqual(await cropRgb(await jpeg()));
  });
});
