import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleImages } from './images.js';

let dir: string;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'obifaas-sample-images-'));
  // The same files in two folders of different names (the second made in reverse order).
  const names = Array.from({ length: 12 }, (_, i) => `img-${String(i).padStart(2, '0')}.jpg`);
  for (const [folder, order] of [
    ['one', names],
    ['copy-two', [...names].reverse()],
  ] as const) {
    await fs.mkdir(path.join(dir, folder, 'sub'), { recursive: true });
    for (const name of order) await fs.writeFile(path.join(dir, folder, 'sub', name), `bytes of ${name}`);
    await fs.writeFile(path.join(dir, folder, 'sub', 'broken.jpg'), 'broken');
  }
});

afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

/** A stand-in decoder: the bytes as floats, refusing the file named broken. */
const preprocess = (bytes: Buffer): Promise<Float32Array> =>
  bytes.toString() === 'broken'
    ? Promise.reject(new Error('not an image'))
    : Promise.resolve(Float32Array.from(bytes));

const size = { height: 1, width: 1 };

describe('sampleImages', () => {
  it('samples the same images with the same digests wherever the folder is', async () => {
    const one = await sampleImages(path.join(dir, 'one'), 8, size, preprocess, 5);
    const two = await sampleImages(path.join(dir, 'copy-two'), 8, size, preprocess, 5);
    expect(one.location).not.toBe(two.location);
    const summary = (s: typeof one): unknown => ({
      images: s.images.map((i) => [i.key, i.sha256]),
      skipped: s.skipped,
    });
    expect(summary(two)).toEqual(summary(one));
    expect(one.images).toHaveLength(8);
    const first = one.images[0];
    const bytes = await fs.readFile(path.join(dir, 'one', first?.key ?? ''));
    expect(first?.sha256).toBe(crypto.createHash('sha256').update(bytes).digest('hex'));
  });

  it('samples another order with another seed', async () => {
    const keys = async (seed: number): Promise<string[]> =>
      (await sampleImages(path.join(dir, 'one'), 8, size, preprocess, seed)).images.map((i) => i.key);
    expect(await keys(5)).not.toEqual(await keys(6));
    expect(await keys(5)).toEqual(await keys(5));
  });
});
