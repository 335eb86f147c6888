/**
 * The pipeline gives the same predictions as one direct `session.run` on the same model, for
 * any batch size and replica count, and for models that fix their batch size or input size.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuiltinModel } from '../../src/models/cache.js';
import { defaultPipelineConfig } from '../../src/worker/defaults.js';
import { handle } from '../../src/worker/handler.js';
import { testDeployment } from '../support/function-access.js';
import { closeInferencePools } from '../../src/worker/inference-pools.js';
import { topK } from '../../src/worker/pipeline/top-k.js';
import { preprocessImage } from '../../src/worker/preprocess.js';
import { createModelSession, runBatch } from '../../src/worker/session.js';
import type { ClassScore, InputResult } from '../../src/core/prediction.js';
import type { WorkerPayload } from '../../src/protocol/invocation.js';
import { poolModel, writeModel } from '../support/worker-models.js';

let dir: string;
let tinyModel: string;
const keys: string[] = [];

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'obifaas-exact-'));
  await fs.mkdir(path.join(dir, 'images'));
  tinyModel = await ensureBuiltinModel('tiny', { home: dir });
  for (let i = 0; i < 11; i++) {
    const [w, h] = [200 + 37 * i, 180 + 23 * ((i * 5) % 7)];
    const data = Buffer.alloc(w * h * 3);
    for (let p = 0; p < w * h; p++) {
      const [x, y] = [p % w, Math.floor(p / w)];
      data[p * 3] = (x * (i + 1) + y) & 0xff;
      data[p * 3 + 1] = (128 + 127 * Math.sin((x + y * i) / 15)) & 0xff;
      data[p * 3 + 2] = ((x * y) >> (i % 4)) & 0xff;
    }
    const key = `img-${i}.jpg`;
    await sharp(data, { raw: { width: w, height: h, channels: 3 } })
      .jpeg({ quality: 92 })
      .toFile(path.join(dir, 'images', key));
    keys.push(key);
  }
});

afterAll(async () => {
  await closeInferencePools();
  await fs.rm(dir, { recursive: true, force: true });
});

async function viaPipeline(model: string, batchSize: number, replicas: number): Promise<InputResult[]> {
  const pipeline = defaultPipelineConfig(2);
  const payload: WorkerPayload = {
    kind: 'static',
    jobId: 'exact',
    workerId: 'w',
    model: { uri: model },
    storage: { type: 'fs', root: path.join(dir, 'images') },
    pipeline: {
      ...pipeline,
      predict: { ...pipeline.predict, batchSize, replicas, intraOpThreads: 1 },
      topK: 5,
    },
    splits: [{ splitId: 's', keys }],
  };
  return (
    (await handle(payload, { deployment: testDeployment({ read: [dir, model] }) })).splits[0]?.results ?? []
  );
}

/** Predictions from one direct `session.run` over all images, preprocessed one by one. */
async function direct(
  model: string,
  size: { height: number; width: number },
  oneByOne = false,
): Promise<ClassScore[][]> {
  const session = await createModelSession(model, { intraOpThreads: 1, interOpThreads: 1 });
  const per = 3 * size.height * size.width;
  const tensors = await Promise.all(
    keys.map(async (k) => preprocessImage(await fs.readFile(path.join(dir, 'images', k)), size)),
  );
  try {
    if (oneByOne) {
      const out: ClassScore[][] = [];
      const shape = [3, size.height, size.width];
      for (const t of tensors) out.push(topK((await runBatch(session, t, 1, shape)).logits, 5));
      return out;
    }
    const batch = new Float32Array(keys.length * per);
    tensors.forEach((t, i) => batch.set(t, i * per));
    const { logits, classes } = await runBatch(session, batch, keys.length, [3, size.height, size.width]);
    return keys.map((_, i) => topK(logits.subarray(i * classes, (i + 1) * classes), 5));
  } finally {
    await session.session.release();
  }
}

function expectSame(got: InputResult[], want: ClassScore[][]): void {
  expect(got.map((r) => r.key)).toEqual(keys);
  got.forEach((r, i) => {
    expect(r.error).toBeNull();
    expect(r.top?.map((s) => s.class)).toEqual(want[i]?.map((s) => s.class));
    r.top?.forEach((s, j) => expect(s.score).toBeCloseTo(want[i]?.[j]?.score ?? NaN, 5));
  });
}

describe('pipeline exactness', () => {
  it('matches a direct session.run for batch sizes 1, 4, 11, 32 and 1-3 replicas', async () => {
    const want = await direct(tinyModel, { height: 224, width: 224 });
    // The predictions must not be trivial: several different top classes.
    expect(new Set(want.map((t) => t[0]?.class)).size).toBeGreaterThan(2);
    for (const [batchSize, replicas] of [
      [1, 1],
      [4, 1],
      [11, 1],
      [32, 1],
      [4, 2],
      [11, 3],
      [1, 3],
    ] as const) {
      expectSame(await viaPipeline(tinyModel, batchSize, replicas), want);
    }
  });

  it('runs models with a fixed batch size and input size in chunks of that size', async () => {
    const fixed = await writeModel(dir, 'fixed.onnx', poolModel([1, 3, 40, 56]));
    const want = await direct(fixed, { height: 40, width: 56 }, true);
    expectSame(await viaPipeline(fixed, 4, 1), want);
    expectSame(await viaPipeline(fixed, 3, 2), want);
  });

  it('uses 224x224 when the model leaves height and width dynamic', async () => {
    const dynamic = await writeModel(dir, 'dynamic.onnx', poolModel(['n', 3, 'h', 'w']));
    expectSame(await viaPipeline(dynamic, 5, 1), await direct(dynamic, { height: 224, width: 224 }));
  });
});
