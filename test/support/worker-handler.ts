/**
 * The worker handler's test world: a folder of real images (JPEGs, other formats, bad files)
 * and the `tiny` model, with the payloads and the handler call its tests use.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp, { type Sharp } from 'sharp';
import { afterAll, beforeAll } from 'vitest';
import { ensureBuiltinModel } from '../../src/models/cache.js';
import type { PipelineConfig, WorkerPayload } from '../../src/protocol/invocation.js';
import { defaultPipelineConfig } from '../../src/worker/defaults.js';
import { handle, type HandleOptions } from '../../src/worker/handler.js';
import { closeInferencePools } from '../../src/worker/inference-pools.js';
import { testDeployment } from './function-access.js';

/** The test's folder, its world.images (the payloads' store) and the `tiny` model, once set up. */
export const world = { dir: '', images: '', tinyModel: '' };

/** The handler, deployed to read the test's folder only. */
export function runHandler(p: WorkerPayload, options: HandleOptions = {}): ReturnType<typeof handle> {
  return handle(p, { deployment: testDeployment({ read: [world.dir] }), ...options });
}

/** The pipeline settings of the tests: small batches, `predict` overridden. */
export const pipeline = (predict: Partial<PipelineConfig['predict']> = {}): PipelineConfig => {
  const config = defaultPipelineConfig(2);
  return {
    ...config,
    load: { concurrency: 4 },
    preprocess: { concurrency: 2 },
    predict: { ...config.predict, batchSize: 4, ...predict },
  };
};

/** A static payload of one split over `keys` in the images folder, with the `tiny` model. */
export function payload(
  keys: string[],
  extra: Partial<Extract<WorkerPayload, { kind: 'static' }>> = {},
): WorkerPayload {
  return {
    kind: 'static',
    jobId: 'job',
    workerId: 'w0',
    model: { uri: world.tinyModel },
    storage: { type: 'fs', root: world.images },
    pipeline: pipeline(),
    splits: [{ splitId: 's0', keys }],
    ...extra,
  };
}

/** A payload without its static splits (a dynamic payload has none: the schema refuses them). */
export function withoutSplits(p: WorkerPayload): Omit<WorkerPayload, 'splits'> {
  const { splits: _splits, ...rest } = p as Extract<WorkerPayload, { kind: 'static' }>;
  return rest;
}

async function photo(width: number, height: number, seed: number): Promise<Sharp> {
  const data = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      data[i] = (128 + 120 * Math.sin((x + seed * 13) / (7 + seed))) & 0xff;
      data[i + 1] = (128 + 120 * Math.cos((y * (seed + 1)) / 11)) & 0xff;
      data[i + 2] = ((x ^ y) * seed) & 0xff;
    }
  }
  return sharp(data, { raw: { width, height, channels: 3 } });
}

/** Sets up {@link world} before the file's tests and removes it (and the inference pools) after. */
export function useHandlerWorld(): void {
  beforeAll(async () => {
    world.dir = await fs.mkdtemp(path.join(os.tmpdir(), 'obifaas-worker-'));
    world.images = path.join(world.dir, 'images');
    await fs.mkdir(path.join(world.images, 'fmt'), { recursive: true });
    world.tinyModel = await ensureBuiltinModel('tiny', { home: world.dir });
    for (let i = 0; i < 10; i++)
      await (
        await photo(320 + i * 17, 240 + i * 5, i + 1)
      )
        .jpeg({ quality: 90 })
        .toFile(path.join(world.images, `img${i}.jpg`));
    const base = await photo(300, 200, 3);
    const fmt = (name: string) => path.join(world.images, 'fmt', name);
    await base.clone().png().ensureAlpha(0.5).toFile(fmt('alpha.png'));
    await base.clone().grayscale().png().toFile(fmt('gray.png'));
    await base.clone().toColourspace('rgb16').png().toFile(fmt('deep.png'));
    await base.clone().toColourspace('cmyk').jpeg().toFile(fmt('cmyk.jpg'));
    await base.clone().webp().toFile(fmt('img.webp'));
    await base.clone().gif().toFile(fmt('img.gif'));
    await base.clone().tiff().toFile(fmt('img.tiff'));
    await base.clone().jpeg().withMetadata({ orientation: 8 }).toFile(fmt('rotated.jpg'));
    await (await photo(3, 3, 2)).png().toFile(fmt('tiny.png'));
    await (await photo(3000, 12, 4)).png().toFile(fmt('wide.png'));
    const jpeg = await fs.readFile(path.join(world.images, 'img0.jpg'));
    await fs.writeFile(path.join(world.images, 'truncated.jpg'), jpeg.subarray(0, jpeg.length >> 1));
    await fs.writeFile(path.join(world.images, 'empty.jpg'), Buffer.alloc(0));
    await fs.writeFile(path.join(world.images, 'notes.txt'), 'not an image\n');
    await fs.writeFile(
      path.join(world.images, 'corrupt.jpg'),
      Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(2000, 0x55)]),
    );
  });

  afterAll(async () => {
    await closeInferencePools();
    await fs.rm(world.dir, { recursive: true, force: true });
  });
}
