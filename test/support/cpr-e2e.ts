/**
 * The CPR workflow end to end, as a user runs it, through the real CLI in child processes:
 * `cpr sample` on a small plan, `cpr fit`, `plan` for a CPR target, then the planned job run
 * for real with `run`; its measured CPR (from its `job.json`) is compared with the plan's
 * prediction. Used by the integration test and by `bench/cpr-e2e.ts`.
 *
 * What keeps the comparison fair: the final job runs the largest image count of the plan
 * (sampled twice), with the same batch and split size, thread count, backend concurrency,
 * dispatch mode and speculation as the samples, and with as many workers as the backend runs
 * at once at most, so that, as in every sample, each of its workers is a cold start.
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { generateDataset } from '../../src/dataset/generate.js';
import type { JobRecord } from '../../src/manager/types.js';
import { parseCprModel, type CprModel } from '../../src/planning/cpr-model.js';
import { planOptions } from '../../src/planning/planner.js';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `obifaas ARGS` from source in `cwd` with OBIFAAS_HOME under it. */
export function obifaas(cwd: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', tsx, path.join(repoRoot, 'src/cli/run-main.ts'), ...args],
      {
        cwd,
        env: { ...process.env, OBIFAAS_HOME: path.join(cwd, 'home'), ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function json<T>(run: CliRun, what: string): T {
  if (run.code !== 0) throw new Error(`${what} exited ${run.code}: ${run.stderr}`);
  return JSON.parse(run.stdout) as T;
}

export interface CprEndToEndOptions {
  /** Working folder (dataset, samples, jobs); must exist. */
  dir: string;
  maxImages: number;
  batchSize: number;
  concurrency: number;
  linear: number;
  log: number;
  seed: number;
  /** Times the planned job is run (each compared with the prediction). */
  repeats: number;
  /** Dispatch mode of every job; default: what `cpr sample` chooses. */
  mode?: string;
}

export interface CprEndToEndResult {
  samples: number;
  samplingSeconds: number;
  fit: { mapeCpr: number | null; heldOut: number; model: CprModel };
  targetCprPerMillion: number;
  plan: {
    workers: number;
    predictedCprPerMillion: number;
    predictedLatencySeconds: number;
    feasible: boolean;
  };
  /** Each run of the planned job: measured CPR per million images and its error vs the prediction. */
  runs: {
    measuredCprPerMillion: number;
    relativeError: number;
    latencySeconds: number;
    coldStarts: number;
    /** The machine's 1-minute load average after the run. */
    loadAverage: number;
  }[];
  /** The machine's 1-minute load average after sampling. */
  samplingLoadAverage: number;
  /** The median relative error over the runs. */
  medianRelativeError: number;
}

/** Runs the workflow; throws when a step fails. */
export async function runCprEndToEnd(o: CprEndToEndOptions): Promise<CprEndToEndResult> {
  const data = await generateDataset({ count: o.maxImages, outDir: path.join(o.dir, 'data'), seed: 3 });
  const common = [
    '--model',
    'tiny',
    '--batch-size',
    String(o.batchSize),
    '--max-concurrency',
    String(o.concurrency),
  ];
  const t0 = Date.now();
  const sampled = json<{ sampled: unknown[]; mode: string; speculation: boolean; failed: unknown[] }>(
    await obifaas(o.dir, [
      'cpr',
      'sample',
      '--input',
      data.manifestPath,
      ...common,
      '--max-images',
      String(o.maxImages),
      '--linear',
      String(o.linear),
      '--log',
      String(o.log),
      '--seed',
      String(o.seed),
      '--out',
      'samples',
      '--json',
      ...(o.mode ? ['--mode', o.mode] : []),
    ]),
    'cpr sample',
  );
  const samplingSeconds = (Date.now() - t0) / 1000;
  const samplingLoadAverage = os.loadavg()[0]!;
  const fitted = json<{ fits: { modelFile: string; model: CprModel }[] }>(
    await obifaas(o.dir, ['cpr', 'fit', 'samples', '--json']),
    'cpr fit',
  ).fits[0]!;
  const model = parseCprModel(JSON.parse(await readFile(path.resolve(o.dir, fitted.modelFile), 'utf8')));
  // A target between the cheapest and the dearest worker count, so that the planner must choose.
  const options = planOptions({
    images: o.maxImages,
    model,
    pricePerSecondUsd: model.pricePerSecondUsd!,
    maxWorkers: o.concurrency,
    batchSize: o.batchSize,
  }).map((p) => p.predictedCprPerMillion);
  const low = Math.min(...options);
  const high = Math.max(...options);
  const target = high / low > 1.02 ? Math.sqrt(low * high) : high * 1.01;
  const plan = json<CprEndToEndResult['plan']>(
    await obifaas(o.dir, [
      'plan',
      '--images',
      String(o.maxImages),
      '--cpr-per-million',
      String(target),
      '--model-file',
      fitted.modelFile,
      '--max-workers',
      String(o.concurrency),
      '--batch-size',
      String(o.batchSize),
      '--json',
    ]),
    'plan',
  );
  const runs: CprEndToEndResult['runs'] = [];
  for (let i = 0; i < o.repeats; i++) {
    const out = `planned-${i}`;
    json(
      await obifaas(o.dir, [
        'run',
        '--input',
        data.manifestPath,
        ...common,
        '--split-size',
        String(o.batchSize),
        '--workers',
        String(plan.workers),
        '--mode',
        sampled.mode,
        ...(sampled.speculation ? ['--speculation'] : []),
        '--out',
        out,
        '--json',
      ]),
      'run',
    );
    const record = JSON.parse(await readFile(path.join(o.dir, out, 'job.json'), 'utf8')) as JobRecord;
    const measured = record.summary.costPerMillionImagesUsd;
    runs.push({
      measuredCprPerMillion: measured,
      relativeError: measured / plan.predictedCprPerMillion - 1,
      latencySeconds: record.summary.elapsedSeconds,
      coldStarts: record.summary.coldStarts,
      loadAverage: os.loadavg()[0]!,
    });
  }
  const errors = runs.map((r) => Math.abs(r.relativeError)).sort((a, b) => a - b);
  const mid = Math.floor(errors.length / 2);
  return {
    samples: sampled.sampled.length,
    samplingSeconds,
    samplingLoadAverage,
    fit: { mapeCpr: model.fit?.mapeCpr ?? null, heldOut: model.fit?.heldOut ?? 0, model },
    targetCprPerMillion: target,
    plan,
    runs,
    medianRelativeError: errors.length % 2 ? errors[mid]! : (errors[mid - 1]! + errors[mid]!) / 2,
  };
}
