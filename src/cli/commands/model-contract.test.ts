/** `obifaas model inspect` and `obifaas model annotate`, in process. */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTiny } from '../../models/tiny.js';
import { captureCli } from '../../../test/support/capture-cli.js';
import { expectRefusal } from '../../../test/support/cli-refusal.js';

let dir: string;
let model: string;
let labels: string;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'obifaas-model-contract-'));
  model = path.join(dir, 'tiny.onnx');
  await fs.writeFile(model, buildTiny().bytes);
  labels = path.join(dir, 'labels.txt');
  await fs.writeFile(labels, `${Array.from({ length: 1000 }, (_, i) => `class ${i}`).join('\n')}\n`);
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

async function inspect(file: string, ...more: string[]): Promise<Record<string, unknown>> {
  const run = await captureCli('model', 'inspect', file, '--json', ...more);
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as Record<string, unknown>;
}

describe('obifaas model inspect', () => {
  it('prints the inputs, outputs, opset, operators, parameters, quantization and the contract', async () => {
    const r = await inspect(model);
    expect(r).toMatchObject({
      inputs: [{ name: 'input', dtype: 'float32', shape: ['batch', 3, 224, 224] }],
      outputs: [{ name: 'logits', dtype: 'float32', shape: ['batch', 1000] }],
      opset: { 'ai.onnx': expect.any(Number) },
      operators: { Conv: 3, Relu: 3 },
      quantized: false,
      task: { kind: 'classify' },
      taskFrom: 'default',
      labels: null,
      problems: [],
    });
    expect(r.parameters).toBeGreaterThan(100_000);
    expect(r.preprocess).toMatchObject({
      size: { height: 224, width: 224 },
      layout: 'NCHW',
      channels: 'RGB',
    });
    expect(r.preprocessFrom).toMatchObject({ mean: 'default (preset imagenet)' });
    const text = await captureCli('model', 'inspect', model);
    expect(text.stdout).toMatch(
      /^preprocess {2}224x224, shorter-side \(crop 0\.875\), bilinear, scale 1\/255/m,
    );
  });

  it('shows what a preset would do, and why a job would be refused', async () => {
    const r = await inspect(model, '--preprocess', 'uint8-nhwc');
    expect(r.preprocessFrom).toMatchObject({ layout: 'preset uint8-nhwc (--preprocess uint8-nhwc)' });
    expect((r.problems as string[]).join('\n')).toMatch(
      /input 'input': expected uint8 \[N, 224, 224, 3\] .*actual float32 \[batch, 3, 224, 224\]: the model takes NCHW input/,
    );
  });
});

describe('obifaas model annotate', () => {
  it('writes the contract that inspect and jobs then read', async () => {
    const out = path.join(dir, 'annotated.onnx');
    const run = await captureCli(
      'model',
      'annotate',
      model,
      '--preprocess',
      'caffe',
      '--labels',
      labels,
      '--output',
      'logits',
      '--out',
      out,
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(
      /^preprocess {2}224x224, shorter-side \(crop 0\.875\), bilinear, scale 1, mean \[103\.939, 116\.779, 123\.68\], std \[1, 1, 1\], BGR, NCHW, float32$/m,
    );
    const r = await inspect(out);
    expect(r.preprocess).toMatchObject({ channels: 'BGR', scale: 1 });
    expect(r.preprocessFrom).toMatchObject({ channels: 'model metadata (obifaas.preprocess)' });
    expect(r).toMatchObject({
      task: { kind: 'classify', output: 'logits' },
      taskFrom: 'model metadata (obifaas.task)',
      labels: { count: 1000, from: 'model metadata (obifaas.labels)' },
    });
    expect(Object.keys(r.metadata as object)).toEqual(
      expect.arrayContaining(['obifaas.preprocess', 'obifaas.task', 'obifaas.labels']),
    );
  });

  it('refuses an unknown preset, nothing to write, and a preprocessing the model cannot take', async () => {
    const out = path.join(dir, 'never.onnx');
    expectRefusal(
      await captureCli('model', 'annotate', model, '--preprocess', 'incepton', '--out', out),
      /--preprocess: unknown preset 'incepton'; did you mean 'inception'\?/,
    );
    expectRefusal(await captureCli('model', 'annotate', model, '--out', out), /nothing to write/);
    expectRefusal(
      await captureCli('model', 'annotate', model, '--preprocess', 'inception', '--out', out),
      /model .*tiny\.onnx, input 'input': expected float32 \[N, 299, 299, 3\] .*actual float32 \[batch, 3, 224, 224\]/,
    );
    expectRefusal(await captureCli('model', 'inspect', path.join(dir, 'nope.onnx')), /model file not found/);
    expectRefusal(await captureCli('model', 'inspect', dir), /model path is a folder: /);
    // A FIFO is refused at once: reading it would wait for a writer forever.
    const fifo = path.join(dir, 'fifo.onnx');
    execFileSync('mkfifo', [fifo]);
    expectRefusal(await captureCli('model', 'inspect', fifo), /model .*fifo\.onnx is a FIFO \(named pipe\)$/);
    await expect(fs.stat(out)).rejects.toThrow();
  });
});
