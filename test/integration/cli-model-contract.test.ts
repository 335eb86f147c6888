/**
 * The model's contract through the real CLI (a child process): `model inspect --json` on the
 * int8 fixture prints valid JSON; a model whose input has the wrong layout is refused by `run`
 * before anything starts (exit 2, one line naming the model, the tensor, the expected and the
 * actual shape, no output folder); declared (a preprocessing file, or annotated into the model),
 * the same model runs, and job.json says where its preprocessing came from.
 */
import fs from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDataset, type GeneratedDataset } from '../../src/dataset/generate.js';
import { buildTiny } from '../../src/models/tiny.js';
import { expectRefusal } from '../support/cli-refusal.js';
import { readRecord, readResults } from '../support/job-output.js';
import { buildVariant } from '../support/model-variants.js';
import { obifaas as runObifaas, type CliRun } from '../support/obifaas-cli.js';

const repoRoot = path.resolve(import.meta.dirname, '..', '..');
const int8Model = path.resolve(repoRoot, '..', 'shared', 'fixtures', 'imagenet', 'mobilenetv2-12-int8.onnx');

let dir: string;
let dataset: GeneratedDataset;
let nhwc: string;

function obifaas(args: string[]): Promise<CliRun> {
  return runObifaas(args, { cwd: dir, env: { OBIFAAS_HOME: path.join(dir, 'home') } });
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'obifaas-cli-contract-'));
  dataset = await generateDataset({ count: 4, outDir: path.join(dir, 'data'), seed: 5 });
  nhwc = path.join(dir, 'nhwc.onnx');
  await writeFile(nhwc, buildVariant(buildTiny().bytes, 'nhwc'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('obifaas model inspect', () => {
  it.skipIf(!fs.existsSync(int8Model))('prints valid JSON for the int8 MobileNetV2 fixture', async () => {
    const run = await obifaas(['model', 'inspect', int8Model, '--json']);
    expect(run.code, run.stderr).toBe(0);
    const r = JSON.parse(run.stdout) as Record<string, unknown>;
    for (const key of [
      'inputs',
      'outputs',
      'opset',
      'operators',
      'parameters',
      'quantized',
      'preprocess',
      'task',
    ])
      expect(r).toHaveProperty(key);
    expect(r).toMatchObject({
      inputs: [{ name: 'input', dtype: 'float32', shape: ['batch_size', 3, 224, 224] }],
      outputs: [{ name: 'output', dtype: 'float32', shape: ['batch_size', 1000] }],
      opset: { 'ai.onnx': 12, 'com.microsoft': 1 },
      operators: { QLinearConv: 52, 'com.microsoft:QLinearAdd': 11 },
      quantized: true,
      preprocess: { size: { height: 224, width: 224 }, layout: 'NCHW', dtype: 'float32' },
      preprocessFrom: {
        size: "model input 'input' [batch_size, 3, 224, 224]",
        mean: 'default (preset imagenet)',
      },
      task: { kind: 'classify' },
      problems: [],
    });
    expect(r.parameters).toBeGreaterThan(3_000_000);
  });
});

describe('obifaas run with a model of another layout', () => {
  it('is refused before anything starts, naming the model, the tensor, the expected and the actual shape', async () => {
    const out = path.join(dir, 'refused');
    const run = await obifaas(['run', '--input', dataset.manifestPath, '--model', nhwc, '--out', out]);
    expectRefusal(
      run,
      /^obifaas: model \S*nhwc\.onnx does not fit: input 'input_nhwc': expected float32 \[N, 3, 224, 224\] \(layout NCHW \(default \(preset imagenet\)\).*\), actual float32 \[batch, 224, 224, 3\]: the model takes NHWC input; declare layout NHWC/,
    );
    expect(fs.existsSync(out)).toBe(false);
  });

  it('runs once the layout is declared in a preprocessing file, and records where it came from', async () => {
    await writeFile(path.join(dir, 'nhwc.yaml'), 'preset: imagenet\nlayout: NHWC\n');
    const out = path.join(dir, 'declared');
    const run = await obifaas([
      'run',
      '--input',
      dataset.manifestPath,
      '--model',
      nhwc,
      '--preprocess-file',
      'nhwc.yaml',
      '--out',
      out,
      '--json',
    ]);
    expect(run.code, run.stderr).toBe(0);
    const lines = await readResults(out);
    expect(lines).toHaveLength(4);
    expect(lines.every((l) => l.error === null)).toBe(true);
    const record = await readRecord(out);
    expect(record.contract?.preprocess.layout).toBe('NHWC');
    expect(record.contract?.from).toMatchObject({
      'preprocess.layout': 'nhwc.yaml (--preprocess-file)',
      'preprocess.mean': 'preset imagenet (nhwc.yaml (--preprocess-file))',
      'preprocess.size': "model input 'input_nhwc' [batch, 224, 224, 3]",
    });
  });

  it('runs once the model is annotated, and flags still win over the annotation', async () => {
    const annotated = path.join(dir, 'nhwc-annotated.onnx');
    const annotate = await obifaas([
      'model',
      'annotate',
      nhwc,
      '--preprocess',
      'uint8-nhwc',
      '--out',
      annotated,
    ]);
    // The preset's uint8 input does not fit this float32 model: refused, nothing written.
    expectRefusal(
      annotate,
      /expected uint8 \[N, 224, 224, 3\] .*actual float32 \[batch, 224, 224, 3\]; declare dtype float32/,
    );
    await writeFile(path.join(dir, 'nhwc-float.yaml'), 'preset: inception\nsize: 224\n');
    const ok = await obifaas([
      'model',
      'annotate',
      nhwc,
      '--preprocess-file',
      'nhwc-float.yaml',
      '--out',
      annotated,
    ]);
    expect(ok.code, ok.stderr).toBe(0);
    const out = path.join(dir, 'annotated');
    const run = await obifaas(['run', '--input', dataset.manifestPath, '--model', annotated, '--out', out]);
    expect(run.code, run.stderr).toBe(0);
    expect((await readRecord(out)).contract?.from['preprocess.layout']).toBe(
      'model metadata (obifaas.preprocess)',
    );
    const flagged = await obifaas([
      'run',
      '--input',
      dataset.manifestPath,
      '--model',
      annotated,
      '--preprocess',
      'imagenet',
      '--out',
      path.join(dir, 'flagged'),
    ]);
    expectRefusal(flagged, /layout NCHW \(preset imagenet \(--preprocess\)\)/);
  });
});
