/**
 * CPR models per precision, as a user builds them with the tiny model on the local backend:
 * `cpr sample --precision fp32,int8` runs every point of the plan with the model and with its
 * int8 build, `cpr fit` fits one model per precision, and `plan` shows both side by side.
 * Asserts on records and counts, not on timings.
 */
import { access, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDataset } from '../../src/dataset/generate.js';
import type { JobRecord } from '../../src/manager/types.js';
import { obifaas } from '../support/cpr-e2e.js';

let dir: string;
let manifest: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'obifaas-cpr-precision-'));
  manifest = (await generateDataset({ count: 32, outDir: path.join(dir, 'data'), seed: 2 })).manifestPath;
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** `cpr sample` of the dataset in fp32 and int8 into `samples/`: the run and its re-run sample the same points. */
const sampleArgs = (): string[] => [
  'cpr',
  'sample',
  '--input',
  manifest,
  '--model',
  'tiny',
  '--precision',
  'fp32,int8',
  '--batch-size',
  '8',
  '--max-concurrency',
  '2',
  '--max-images',
  '32',
  '--linear',
  '3',
  '--log',
  '3',
  '--seed',
  '3',
  '--out',
  'samples',
];

interface Line {
  index: number;
  precision?: string;
  job: string;
  coldStarts: number;
}

describe('cpr sample --precision fp32,int8 -> cpr fit -> plan', () => {
  it('samples each point in both precisions, the int8 jobs on the int8 build', async () => {
    const run = await obifaas(dir, [...sampleArgs(), '--json']);
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as { planned: number; sampled: Line[]; failed: unknown[] };
    expect(report.planned).toBe(12);
    expect(report.failed).toEqual([]);
    const lines = (await readFile(path.join(dir, 'samples', 'samples.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Line);
    const of = (p: string): number[] =>
      lines
        .filter((l) => l.precision === p)
        .map((l) => l.index)
        .sort((a, b) => a - b);
    expect(of('fp32')).toEqual([0, 1, 2, 3, 4, 5]);
    expect(of('int8')).toEqual([0, 1, 2, 3, 4, 5]);
    const setup = JSON.parse(await readFile(path.join(dir, 'samples', 'cpr-plan.json'), 'utf8')) as {
      precisions: string[];
      models: { fp32: string; int8: string };
    };
    expect(setup.precisions).toEqual(['fp32', 'int8']);
    expect(setup.models.fp32).toBe('tiny');
    await access(setup.models.int8);
    const job = JSON.parse(
      await readFile(path.join(dir, 'samples', 'jobs', 'cpr-0-int8', 'job.json'), 'utf8'),
    ) as JobRecord;
    expect(job.spec.model.uri).toBe(setup.models.int8);
  });

  it('a re-run skips every recorded (point, precision)', async () => {
    const run = await obifaas(dir, [...sampleArgs(), '--no-warmup', '--json']);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ sampled: [], skipped: 12, remaining: 0 });
  });

  it('fits one model per precision, and plans with both side by side', async () => {
    const fit = await obifaas(dir, ['cpr', 'fit', 'samples', '--json']);
    expect(fit.code, fit.stderr).toBe(0);
    const fits = (
      JSON.parse(fit.stdout) as { fits: { precision: string; samples: number; modelFile: string }[] }
    ).fits;
    expect(fits.map((f) => [f.precision, f.samples, path.basename(f.modelFile)])).toEqual([
      ['fp32', 6, 'cpr-model-fp32.json'],
      ['int8', 6, 'cpr-model-int8.json'],
    ]);
    const plan = await obifaas(dir, [
      'plan',
      '--images',
      '32',
      '--cpr-per-million',
      '1000',
      '--max-workers',
      '2',
      '--batch-size',
      '8',
      '--model-file',
      fits[0]!.modelFile,
      '--model-file',
      fits[1]!.modelFile,
      '--json',
    ]);
    expect(plan.code, plan.stderr).toBe(0);
    const compared = JSON.parse(plan.stdout) as {
      plans: { precision: string; feasible: boolean; meeting: { count: number } }[];
    };
    expect(compared.plans.map((p) => [p.precision, p.feasible, p.meeting.count])).toEqual([
      ['fp32', true, 2],
      ['int8', true, 2],
    ]);
  });
});
