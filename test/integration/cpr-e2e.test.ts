/**
 * The CPR workflow end to end on the local backend with the tiny model, through the real CLI:
 * `cpr sample` (8 jobs), `cpr fit`, `plan` for a CPR target, and the planned job run for real.
 * Then resuming: a re-run skips recorded points, a lost record (and a torn last line) is
 * sampled again, and a folder of another plan is refused.
 *
 * The local backend's cost is mostly cold starts, which a busy 2-core machine stretches by a
 * factor of two from one job to the next; so the test asks for the measured CPR within a
 * factor of 2 of the prediction and prints the figure. `bench/cpr-e2e.ts` measures the
 * error over repeated runs (bench/results/cpr-e2e.json).
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { obifaas, runCprEndToEnd, type CprEndToEndResult } from '../support/cpr-e2e.js';

const PLAN = { maxImages: 64, batchSize: 8, concurrency: 2, linear: 4, log: 4, seed: 8 };
let dir: string;
let result: CprEndToEndResult;

const sampleArgs = (out: string, extra: string[] = []): string[] => [
  'cpr',
  'sample',
  '--input',
  path.join(dir, 'data', 'manifest.txt'),
  '--model',
  'tiny',
  '--batch-size',
  String(PLAN.batchSize),
  '--max-concurrency',
  String(PLAN.concurrency),
  '--max-images',
  String(PLAN.maxImages),
  '--linear',
  String(PLAN.linear),
  '--log',
  String(PLAN.log),
  '--seed',
  String(PLAN.seed),
  '--out',
  out,
  '--json',
  ...extra,
];

interface Line {
  index: number;
  images: number;
  workers: number;
  initSeconds: number;
  computeSeconds: number;
  coldStarts: number;
  invocations: number;
}

async function records(): Promise<Line[]> {
  const text = await readFile(path.join(dir, 'samples', 'samples.jsonl'), 'utf8');
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Line);
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'obifaas-cpr-e2e-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('cpr sample -> cpr fit -> plan -> run', () => {
  it('predicts the CPR of the planned job', async () => {
    result = await runCprEndToEnd({ ...PLAN, dir, repeats: 1 });
    const side = result.sides[0]!;
    const run = side.runs[0]!;
    console.log(
      `CPR end to end: ${result.samples} samples in ${result.samplingSeconds.toFixed(0)} s, held-out CPR MAPE ` +
        `${((side.fit.mapeCpr ?? NaN) * 100).toFixed(1)} %; plan ${side.plan.workers} worker(s) for ` +
        `${PLAN.maxImages} images at $${side.plan.predictedCprPerMillion.toFixed(3)} per million; measured ` +
        `$${run.measuredCprPerMillion.toFixed(3)} (${(run.relativeError * 100).toFixed(1)} %)`,
    );
    expect(result.samples).toBe(PLAN.linear + PLAN.log);
    expect(side.plan.feasible).toBe(true);
    expect(side.plan.workers).toBeGreaterThanOrEqual(1);
    expect(side.plan.workers).toBeLessThanOrEqual(PLAN.concurrency);
    expect(run.coldStarts).toBeGreaterThanOrEqual(side.plan.workers);
    expect(Math.abs(Math.log(run.measuredCprPerMillion / side.plan.predictedCprPerMillion))).toBeLessThan(
      Math.log(2),
    );
  });

  it('recorded every point with cold starts measured, and init growing with workers', async () => {
    const lines = await records();
    expect(lines.map((l) => l.index).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    for (const l of lines) {
      // Each job has a backend of its own, so its first invocations start processes. A speculative
      // copy (or a worker stopped while it waited) may add an invocation that reuses an idle
      // process or never ran: not a cold start.
      expect(l.coldStarts).toBeGreaterThanOrEqual(1);
      expect(l.coldStarts).toBeLessThanOrEqual(l.invocations);
      expect(l.invocations).toBeGreaterThanOrEqual(l.workers);
      expect(l.initSeconds).toBeGreaterThan(0);
      expect(l.computeSeconds).toBeGreaterThan(0);
    }
    expect(result.sides[0]!.fit.model.init.a1).toBeGreaterThan(0.5);
  });

  it("measured the machine's load around every sample and run, and compared the two phases", () => {
    for (const r of result.sampleRecords) {
      expect(r.machine?.cpuSeconds).toBeGreaterThan(0);
      expect(r.machine?.otherBusyCores).toBeGreaterThanOrEqual(0);
    }
    expect(result.sides[0]!.runs[0]!.machine.cpuSeconds).toBeGreaterThan(0);
    const { drift } = result;
    expect(drift.sampling.jobs).toBe(PLAN.linear + PLAN.log);
    expect(drift.runs.jobs).toBe(1);
    expect(drift.drifted).not.toBeNull();
    expect(drift.warning === null).toBe(drift.drifted === false);
  });

  it('says when a CPR target cannot be met, and exits 1', async () => {
    const run = await obifaas(dir, [
      'plan',
      '--images',
      '64',
      '--cpr-per-million',
      '0.000001',
      '--model-file',
      'samples/cpr-model.json',
      '--max-workers',
      '2',
      '--batch-size',
      '8',
    ]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/no worker count|not met|cannot/i);
  });
});

describe('cpr sample: resuming', () => {
  it('skips every recorded point on a re-run', async () => {
    const run = await obifaas(dir, sampleArgs('samples', ['--no-warmup']));
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as { sampled: unknown[]; skipped: number; remaining: number };
    expect(report.sampled).toHaveLength(0);
    expect(report.skipped).toBe(8);
    expect(report.remaining).toBe(0);
  });

  it('samples again a point whose record was lost, cutting a torn last line', async () => {
    const file = path.join(dir, 'samples', 'samples.jsonl');
    const lines = (await readFile(file, 'utf8')).trim().split('\n');
    const smallest = lines.map((l) => JSON.parse(l) as Line).sort((a, b) => a.images - b.images)[0]!;
    const kept = lines.filter((l) => (JSON.parse(l) as Line).index !== smallest.index);
    await writeFile(file, `${kept.join('\n')}\n{"index": 99, "images": 1`);
    const run = await obifaas(dir, sampleArgs('samples', ['--no-warmup']));
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as { sampled: Line[]; skipped: number };
    expect(report.sampled.map((s) => s.index)).toEqual([smallest.index]);
    expect(report.skipped).toBe(7);
    const after = await records();
    expect(after).toHaveLength(8);
    expect(new Set(after.map((l) => l.index)).size).toBe(8);
  });

  it('refuses a folder started with another plan, naming what changed', async () => {
    const args = sampleArgs('samples');
    args[args.indexOf('--linear') + 1] = '5';
    const run = await obifaas(dir, args);
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/holds samples of another plan \(linear was 4, now 5\)/);
  });
});
