/**
 * Quantized models compute exactly on every x86 CPU: where the uint8 x int8 kernels saturate
 * (x86 without VNNI), the worker shifts QLinear int8 weights to uint8 and has ONNX Runtime do the
 * same to the int8 kernels it fuses from a QDQ model.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { u8s8Saturates } from '../../src/worker/int8-probe.js';
import { createModelSession, runBatch } from '../../src/worker/session.js';
import { saturatingInt8Model, saturatingQdqModel, writeModel } from '../support/worker-models.js';

const repoRoot = path.resolve(import.meta.dirname, '..', '..');
let dir: string;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'obifaas-int8-'));
});

afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

/** An x86 emulator without VNNI, when installed (Debian package qemu-user). */
function qemu(): string | null {
  try {
    return execFileSync('which', ['qemu-x86_64'], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}

describe('int8 models', () => {
  for (const [format, build] of [
    ['QLinear', saturatingInt8Model],
    ['QDQ', saturatingQdqModel],
  ] as const) {
    it(`give the exact result in the ${format} format, where the plain runtime may saturate`, async () => {
      const file = await writeModel(dir, `${format}.onnx`, build());
      const input = new Float32Array(12).fill(255);
      const saturates = await u8s8Saturates();
      const model = await createModelSession(file, { intraOpThreads: 1, interOpThreads: 1 });
      expect(model.info.int8WeightsShifted).toBe(saturates && format === 'QLinear');
      expect(model.info.int8Probed).toBe(true);
      expect(Array.from((await runBatch(model, Float32Array.from(input), 1, [3, 2, 2])).logits)).toEqual([
        190 * 2048,
      ]);
      await model.session.release();

      const plain = await ort.InferenceSession.create(file, { logSeverityLevel: 3 });
      const out = (await plain.run({ input: new ort.Tensor('float32', input, [1, 3, 2, 2]) })).logits
        ?.data as Float32Array;
      // Documents why the rewrite exists: on this CPU the plain runtime saturates (or not).
      expect(out[0]).toBe(saturates ? 96 * 2048 : 190 * 2048);
      await plain.release();
    });
  }

  it.skipIf(process.arch !== 'x64' || qemu() === null)(
    'are exact on an x86 CPU without VNNI (emulated), where the plain runtime saturates',
    { timeout: 300_000 },
    () => {
      const out = execFileSync(
        qemu() as string,
        [
          '-cpu',
          'Haswell',
          process.execPath,
          '--import',
          'tsx',
          path.join(repoRoot, 'test/support/int8-exactness-child.ts'),
          dir,
        ],
        { cwd: repoRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
      );
      const report = JSON.parse(out.trim().split('\n').pop() ?? '{}') as Record<string, number>;
      expect(report).toEqual({
        saturates: 1,
        QLinearPlain: 96 * 2048,
        QLinearWorker: 190 * 2048,
        QDQPlain: 96 * 2048,
        QDQWorker: 190 * 2048,
      });
    },
  );
});
