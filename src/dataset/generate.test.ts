import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UserError } from '../errors.js';
import { encodePlannedImage, generateDataset, imageKey } from './generate.js';
import { resolveInputs } from './inputs.js';
import { readManifest } from './manifest.js';
import { planImage } from './size-plan.js';

interface Decoded {
  data: Buffer;
  width: number;
  height: number;
}

async function decode(jpeg: Buffer): Promise<Decoded> {
  const { data, info } = await sharp(jpeg).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  expect(info.channels).toBe(3);
  return { data, width: info.width, height: info.height };
}

/** Standard deviation of each of the three channels. */
function channelStd({ data }: Decoded): number[] {
  return [0, 1, 2].map((c) => {
    let sum = 0;
    let sumSquares = 0;
    const n = data.length / 3;
    for (let i = c; i < data.length; i += 3) {
      sum += data[i] as number;
      sumSquares += (data[i] as number) ** 2;
    }
    return Math.sqrt(Math.max(0, sumSquares / n - (sum / n) ** 2));
  });
}

/** Pearson correlation of each pixel's luminance with its right neighbour's. */
function neighbourCorrelation({ data, width, height }: Decoded): number {
  const lum = (i: number): number =>
    0.299 * (data[i] as number) + 0.587 * (data[i + 1] as number) + 0.114 * (data[i + 2] as number);
  let n = 0;
  let sa = 0;
  let sb = 0;
  let saa = 0;
  let sbb = 0;
  let sab = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x + 1 < width; x++) {
      const a = lum((y * width + x) * 3);
      const b = lum((y * width + x + 1) * 3);
      n++;
      sa += a;
      sb += b;
      saa += a * a;
      sbb += b * b;
      sab += a * b;
    }
  }
  const cov = sab / n - (sa / n) * (sb / n);
  const va = saa / n - (sa / n) ** 2;
  const vb = sbb / n - (sb / n) ** 2;
  return va > 0 && vb > 0 ? cov / Math.sqrt(va * vb) : 0;
}

/** Share of pixels with a strong step to the right neighbour in some channel (an edge). */
function edgeShare({ data, width, height }: Decoded): number {
  let edges = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x + 1 < width; x++) {
      const p = (y * width + x) * 3;
      for (let c = 0; c < 3; c++) {
        if (Math.abs((data[p + c] as number) - (data[p + 3 + c] as number)) > 40) {
          edges++;
          break;
        }
      }
    }
  }
  return edges / (width * height);
}

describe('the content measures', () => {
  it('tell flat colour and pure noise from structured content', async () => {
    const width = 64;
    const height = 48;
    const flat = Buffer.alloc(width * height * 3, 128);
    const noise = Buffer.alloc(width * height * 3);
    let state = 12345;
    for (let i = 0; i < noise.length; i++) {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      noise[i] = state >>> 24;
    }
    expect(Math.max(...channelStd({ data: flat, width, height }))).toBe(0);
    expect(neighbourCorrelation({ data: noise, width, height })).toBeLessThan(0.2);
  });
});

describe('generateDataset', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'obifaas-dataset-'));
  });

  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('writes the images and a manifest that lists them, reporting progress', async () => {
    const progress: number[] = [];
    let lastBytes = 0;
    const result = await generateDataset({
      count: 5,
      outDir: path.join(dir, 'ds'),
      seed: 3,
      onProgress: ({ done, total, bytes }) => {
        expect(total).toBe(5);
        progress.push(done);
        lastBytes = bytes;
      },
    });
    expect(result.manifestPath).toBe(path.join(dir, 'ds', 'manifest.txt'));
    expect(result.keys).toEqual([
      'images/00000.jpg',
      'images/00001.jpg',
      'images/00002.jpg',
      'images/00003.jpg',
      'images/00004.jpg',
    ]);
    expect(await readManifest(result.manifestPath)).toEqual(result.keys);
    expect(progress).toEqual([1, 2, 3, 4, 5]);
    let total = 0;
    for (const key of result.keys) total += (await fs.stat(path.join(dir, 'ds', key))).size;
    expect(result.bytes).toBe(total);
    expect(lastBytes).toBe(total);
    const inputs = await resolveInputs(result.manifestPath);
    expect(inputs.storage).toEqual({ type: 'fs', root: path.join(dir, 'ds') });
    expect(inputs.keys).toEqual(result.keys);
  });

  it('gives the same bytes for the same seed and different bytes for another seed', async () => {
    const a = await generateDataset({ count: 4, outDir: path.join(dir, 'a'), seed: 11, concurrency: 1 });
    const b = await generateDataset({ count: 4, outDir: path.join(dir, 'b'), seed: 11, concurrency: 4 });
    const c = await generateDataset({ count: 4, outDir: path.join(dir, 'c'), seed: 12 });
    for (const key of a.keys) {
      const bytesA = await fs.readFile(path.join(dir, 'a', key));
      expect(bytesA.equals(await fs.readFile(path.join(dir, 'b', key))), key).toBe(true);
      expect(bytesA.equals(await fs.readFile(path.join(dir, 'c', key))), key).toBe(false);
    }
    expect(await fs.readFile(a.manifestPath, 'utf8')).toBe(await fs.readFile(b.manifestPath, 'utf8'));
    expect(await readManifest(c.manifestPath)).toEqual(a.keys);
  });

  it('writes JPEGs of the planned size and quality range that decode to 3-channel sRGB', async () => {
    const result = await generateDataset({ count: 6, outDir: dir, seed: 5 });
    for (const [index, key] of result.keys.entries()) {
      const jpeg = await fs.readFile(path.join(dir, key));
      const meta = await sharp(jpeg).metadata();
      const plan = planImage(5, index);
      expect(meta.format).toBe('jpeg');
      expect([meta.width, meta.height]).toEqual([plan.width, plan.height]);
      expect(meta.channels).toBe(3);
      expect(meta.space).toBe('srgb');
      expect(plan.quality).toBeGreaterThanOrEqual(85);
      expect(plan.quality).toBeLessThanOrEqual(95);
    }
  });

  it('draws content that is neither flat colour nor noise, with edges', async () => {
    for (let index = 0; index < 8; index++) {
      const plan = planImage(21, index);
      const image = await decode(await encodePlannedImage(plan));
      const where = `image ${index} (${plan.width}x${plan.height})`;
      for (const std of channelStd(image)) expect(std, where).toBeGreaterThan(15);
      expect(neighbourCorrelation(image), where).toBeGreaterThan(0.85);
      expect(edgeShare(image), where).toBeGreaterThan(0.001);
    }
  });

  it('encodes a large and a small planned image', async () => {
    let index = 0;
    const found: string[] = [];
    for (const wanted of ['large', 'small'] as const) {
      while (planImage(2, index).sizeClass !== wanted) index++;
      const plan = planImage(2, index);
      const image = await decode(await encodePlannedImage(plan));
      expect([image.width, image.height]).toEqual([plan.width, plan.height]);
      found.push(`${plan.width}x${plan.height}`);
    }
    expect(found).toHaveLength(2);
  });

  it('refuses bad options with a message naming the option', async () => {
    await expect(generateDataset({ count: 0, outDir: dir })).rejects.toThrow(/^count: /);
    await expect(generateDataset({ count: 1.5, outDir: dir })).rejects.toThrow(UserError);
    await expect(generateDataset({ count: 1, outDir: dir, qualityMin: 96 })).rejects.toThrow(
      /qualityMin \(96\)/,
    );
    await expect(generateDataset({ count: 1, outDir: dir, qualityMax: 101 })).rejects.toThrow(
      /^qualityMax: /,
    );
    await expect(generateDataset({ count: 1, outDir: dir, seed: -1 })).rejects.toThrow(/^seed: /);
    const file = path.join(dir, 'file');
    await fs.writeFile(file, 'x');
    await expect(generateDataset({ count: 1, outDir: file })).rejects.toThrow(
      `output folder '${file}' is a file`,
    );
  });

  it('numbers keys with at least five digits, more when needed', () => {
    expect(imageKey(7, 256)).toBe('images/00007.jpg');
    expect(imageKey(7, 1_000_001)).toBe('images/0000007.jpg');
  });
});
