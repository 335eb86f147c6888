/**
 * Batch buffers travel to the inference threads and back (`worker/batch-buffers.ts`): real
 * ONNX Runtime sessions on the `tiny` model, two replicas, so a batch is also cut into a copied
 * slice. A reused buffer still holds the last batch's pixels; the outputs must not show it.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuiltinModel } from '../../src/models/cache.js';
import { batchBuffers } from '../../src/worker/batch-buffers.js';
import { acquireInferencePool, closeInferencePools } from '../../src/worker/inference-pools.js';
import { imagenetAt } from '../../src/worker/preprocess.js';
import { tensorWriter, type InputBatch } from '../../src/worker/tensor.js';

let dir: string;
let model: string;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'obifaas-batch-buffers-'));
  model = await ensureBuiltinModel('tiny', { home: dir });
});

afterAll(async () => {
  await closeInferencePools();
  await fs.rm(dir, { recursive: true, force: true });
});

/** `count` images of pseudo-random RGB bytes, different for each seed. */
function images(count: number, seed: number): Uint8Array[] {
  let x = seed >>> 0 || 1;
  return Array.from({ length: count }, () =>
    Uint8Array.from({ length: 224 * 224 * 3 }, () => {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      return x & 255;
    }),
  );
}

describe('batch buffers', () => {
  it('come back from the inference threads, and a reused one gives the outputs of a fresh one', async () => {
    const { pool } = await acquireInferencePool(model, {
      intraOpThreads: 1,
      interOpThreads: 1,
      replicas: 2,
    });
    const writer = tensorWriter(imagenetAt({ height: 224, width: 224 }));
    const fill = (batch: InputBatch, rgb: Uint8Array[]): InputBatch => {
      rgb.forEach((image, slot) => writer.write(image, batch, slot));
      return batch;
    };
    batchBuffers.clear();

    await pool.predict(fill(writer.allocate(3), images(3, 1)), 3, writer.imageShape);
    // The batch's own buffer and the second replica's slice, both handed back.
    expect(batchBuffers.spareCount).toBe(2);

    const second = images(3, 2);
    const reused = writer.allocate(3);
    expect(batchBuffers.spareCount).toBe(1);
    expect(reused.some((v) => v !== 0)).toBe(true); // the first batch's values, until written
    const fromReused = await pool.predict(fill(reused, second), 3, writer.imageShape);

    batchBuffers.clear();
    const fresh = fill(new Float32Array(writer.perImage * 3), second);
    const fromFresh = await pool.predict(fresh, 3, writer.imageShape);
    expect(fromReused.classes).toBe(fromFresh.classes);
    expect(Array.from(fromReused.logits)).toEqual(Array.from(fromFresh.logits));
  });
});
