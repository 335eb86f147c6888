/**
 * Quantized models compute exactly on every x86 CPU: the saturating uint8 x int8 kernels of
 * CPUs without VNNI are avoided by shifting int8 weights to uint8.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpuSaturatesU8S8 } from '../../src/worker/int8-weights.js';
import { createModelSession, runBatch } from '../../src/worker/session.js';
import { saturatingInt8Model, writeModel } from '../support/worker-models.js';

let dir: string;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'obifaas-int8-'));
});

afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('int8 models', () => {
  it('give the exact quantized result, where the plain runtime may saturate', async () => {
    const file = await writeModel(dir, 'q.onnx', saturatingInt8Model());
    const input = new Float32Array(12).fill(255);
    const model = await createModelSession(file, { intraOpThreads: 1, interOpThreads: 1 });
    expect(model.info.int8WeightsShifted).toBe(cpuSaturatesU8S8());
    expect(Array.from((await runBatch(model, Float32Array.from(input), 1)).logits)).toEqual([190 * 2048]);
    await model.session.release();

    const plain = await ort.InferenceSession.create(file, { logSeverityLevel: 3 });
    const out = (await plain.run({ input: new ort.Tensor('float32', input, [1, 3, 2, 2]) })).logits
      ?.data as Float32Array;
    // Documents why the rewrite exists: on this CPU the plain runtime saturates (or not).
    expect(out[0]).toBe(cpuSaturatesU8S8() ? 96 * 2048 : 190 * 2048);
    await plain.release();
  });
});
