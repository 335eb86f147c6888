/**
 * The CPR workflow end to end, as a user runs it, through the real CLI (as installed, over a
 * fresh `dist/`) in child processes: `cpr sample` on a small plan, `cpr fit`, `plan` for a CPR
 * target, then the planned job run for real with `run`; its measured CPR (from its `job.json`)
 * is compared with the plan's prediction. Used by the integration test and by `bench/cpr-e2e.ts`.
 *
 * What keeps the comparison fair: the final job runs the largest image count of the plan
 * (sampled twice), with the same batch and split size, thread count, backend concurrency,
 * dispatch mode and speculation as the samples, and with as many workers as the backend runs
 * at once at most, so that, as in every sample, each of its workers is a cold start.
 *
 * What it cannot keep fair is the machine: on a shared machine the other processes' load
 * drifts between the sampling and the runs, and a model fitted on a busier machine predicts
 * dearer jobs than the runs measure. So every sample and every run records the machine's load
 * around it (load average, our CPU seconds, the cores other processes kept busy), and the
 * result says whether the load drifted between the two phases (`drift`, see `load-drift.ts`).
 */
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { generateDataset } from '../../src/dataset/generate.js';
import { readJobRecord } from '../../src/manager/output.js';
import {
  parseCprModel,
  predictComputeSeconds,
  predictInitSeconds,
  type CprModel,
} from '../../src/planning/cpr-model.js';
import type { MachineLoad } from '../../src/planning/cpr-records.js';
import { splitBilledSeconds, type CprSampleRecord } from '../../src/planning/cpr-sample-record.js';
import { loadDrift, type LoadDrift } from '../../src/planning/load-drift.js';
import { planOptions } from '../../src/planning/planner.js';
import type { Precision } from '../../src/planning/precision.js';
import { machineLoadSince, readMachine } from '../../src/util/machine-load.js';
import { obifaas as builtCli, type CliRun } from './obifaas-cli.js';
import { repoRoot } from './repo-root.js';

export { repoRoot };

/** Runs `obifaas ARGS` as installed (over a fresh `dist/`) in `cwd` with OBIFAAS_HOME under it. */
export function obifaas(cwd: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  return builtCli(args, { cwd, env: { OBIFAAS_HOME: path.join(cwd, 'home'), ...env } });
}

function json<T>(run: CliRun, what: string): T {
  if (run.code !== 0) throw new Error(`${what} exited ${run.code}: ${run.stderr}`);
  return JSON.parse(run.stdout) as T;
}

export interface CprEndToEndOptions {
  /** Working folder (dataset, samples, jobs); must exist. */
  dir: string;
  /** The model (default `tiny`). */
  model?: string;
  /** Sample, fit, plan and run each of these precisions (default: the model as given). */
  precisions?: Precision[];
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

/** One run of a planned job. */
export interface PlannedRun {
  measuredCprPerMillion: number;
  /** measured / predicted - 1. */
  relativeError: number;
  latencySeconds: number;
  coldStarts: number;
  /** The run's billed seconds split as the samples are (init: cold starts and model loads). */
  computeSeconds: number;
  initSeconds: number;
  /** What the model predicted for each part. */
  predictedComputeSeconds: number;
  predictedInitSeconds: number;
  /** The machine around the run (the CLI and its functions are ours). */
  machine: MachineLoad;
  startedAt: string;
}

/** The fit, plan and runs of one precision (null: the model as given). */
export interface PrecisionResult {
  precision: Precision | null;
  /** The model file the jobs ran. */
  model: string;
  fit: { mapeCpr: number | null; heldOut: number; samples: number; model: CprModel };
  targetCprPerMillion: number;
  plan: {
    workers: number;
    predictedCprPerMillion: number;
    predictedLatencySeconds: number;
    feasible: boolean;
  };
  runs: PlannedRun[];
  /** The median of |relative error| over the runs. */
  medianAbsoluteError: number;
  /** The median of the signed relative errors: near 0 without a bias. */
  medianSignedError: number;
  /** The median measured CPR of the runs, dollars per million images. */
  medianMeasuredCprPerMillion: number;
}

export interface CprEndToEndResult {
  samples: number;
  samplingSeconds: number;
  /** The machine's 1-minute load average after sampling. */
  samplingLoadAverage: number;
  /** The lines of samples.jsonl, as the sampler wrote them, with when each job started. */
  sampleRecords: (CprSampleRecord & { startedAt: string })[];
  sides: PrecisionResult[];
  /** Whether the machine was as busy during the runs as during the samples. */
  drift: LoadDrift;
}

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** A CPR target between the cheapest and the dearest worker count, so that the planner must choose. */
function targetFor(model: CprModel, o: CprEndToEndOptions): number {
  const options = planOptions({
    images: o.maxImages,
    model,
    pricePerSecondUsd: model.pricePerSecondUsd!,
    maxWorkers: o.concurrency,
    batchSize: o.batchSize,
  }).map((p) => p.predictedCprPerMillion);
  const low = Math.min(...options);
  const high = Math.max(...options);
  return high / low > 1.02 ? Math.sqrt(low * high) : high * 1.01;
}

/** Runs the workflow; throws when a step fails. */
export async function runCprEndToEnd(o: CprEndToEndOptions): Promise<CprEndToEndResult> {
  const data = await generateDataset({ count: o.maxImages, outDir: path.join(o.dir, 'data'), seed: 3 });
  const model = o.model ?? 'tiny';
  const common = ['--batch-size', String(o.batchSize), '--max-concurrency', String(o.concurrency)];
  const t0 = Date.now();
  const sampled = json<{ sampled: unknown[]; mode: string; speculation: boolean; failed: unknown[] }>(
    await obifaas(o.dir, [
      'cpr',
      'sample',
      '--input',
      data.manifestPath,
      '--model',
      model,
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
      ...(o.precisions ? ['--precision', o.precisions.join(',')] : []),
    ]),
    'cpr sample',
  );
  const samplingSeconds = (Date.now() - t0) / 1000;
  const samplingLoadAverage = os.loadavg()[0]!;
  const setup = JSON.parse(await readFile(path.join(o.dir, 'samples', 'cpr-plan.json'), 'utf8')) as {
    models?: Partial<Record<Precision, string>>;
  };
  const fits = json<{ fits: { precision: Precision | null; samples: number; modelFile: string }[] }>(
    await obifaas(o.dir, ['cpr', 'fit', 'samples', '--json']),
    'cpr fit',
  ).fits;
  const sides: (Omit<
    PrecisionResult,
    'runs' | 'medianAbsoluteError' | 'medianSignedError' | 'medianMeasuredCprPerMillion'
  > & {
    runs: PlannedRun[];
    modelFile: string;
  })[] = [];
  for (const fit of fits) {
    const cprModel = parseCprModel(JSON.parse(await readFile(path.resolve(o.dir, fit.modelFile), 'utf8')));
    const target = targetFor(cprModel, o);
    const plan = json<PrecisionResult['plan']>(
      await obifaas(o.dir, [
        'plan',
        '--images',
        String(o.maxImages),
        '--cpr-per-million',
        String(target),
        '--model-file',
        fit.modelFile,
        '--max-workers',
        String(o.concurrency),
        '--batch-size',
        String(o.batchSize),
        '--json',
      ]),
      'plan',
    );
    sides.push({
      precision: fit.precision,
      model: fit.precision ? setup.models![fit.precision]! : model,
      fit: {
        mapeCpr: cprModel.fit?.mapeCpr ?? null,
        heldOut: cprModel.fit?.heldOut ?? 0,
        samples: fit.samples,
        model: cprModel,
      },
      targetCprPerMillion: target,
      plan,
      runs: [],
      modelFile: fit.modelFile,
    });
  }
  // The precisions' runs interleaved, so that both see the same machine.
  for (let i = 0; i < o.repeats; i++) {
    for (const side of sides) {
      const out = `planned-${side.precision ?? 'model'}-${i}`;
      const before = readMachine();
      json(
        await obifaas(o.dir, [
          'run',
          '--input',
          data.manifestPath,
          '--model',
          side.model,
          ...common,
          '--split-size',
          String(o.batchSize),
          '--workers',
          String(side.plan.workers),
          '--mode',
          sampled.mode,
          ...(sampled.speculation ? ['--speculation'] : []),
          '--out',
          out,
          '--json',
        ]),
        'run',
      );
      const machine = machineLoadSince(before);
      const record = await readJobRecord(path.join(o.dir, out));
      const measured = record.summary.costPerMillionImagesUsd;
      const parts = splitBilledSeconds(record.invocations);
      const w = side.plan.workers;
      side.runs.push({
        measuredCprPerMillion: measured,
        relativeError: measured / side.plan.predictedCprPerMillion - 1,
        latencySeconds: record.summary.elapsedSeconds,
        coldStarts: record.summary.coldStarts,
        computeSeconds: parts.computeSeconds,
        initSeconds: parts.initSeconds,
        predictedComputeSeconds: predictComputeSeconds(side.fit.model, w, o.maxImages),
        predictedInitSeconds: predictInitSeconds(side.fit.model, w),
        machine,
        startedAt: record.startedAt,
      });
    }
  }
  const lines = (await readFile(path.join(o.dir, 'samples', 'samples.jsonl'), 'utf8'))
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as CprSampleRecord);
  // When each sample ran, from its job's record: drift in the machine's speed shows against it.
  const sampleRecords = await Promise.all(
    lines.map(async (line) => {
      const folder = `cpr-${line.index}${line.precision ? `-${line.precision}` : ''}`;
      const job = await readJobRecord(path.join(o.dir, 'samples', 'jobs', folder));
      return { ...line, startedAt: job.startedAt };
    }),
  );
  return {
    samples: sampled.sampled.length,
    samplingSeconds,
    samplingLoadAverage,
    sampleRecords,
    drift: loadDrift(
      sampleRecords.map((r) => r.machine),
      sides.flatMap((s) => s.runs.map((r) => r.machine)),
      os.availableParallelism(),
    ),
    sides: sides.map(({ modelFile: _file, ...side }) => ({
      ...side,
      medianAbsoluteError: median(side.runs.map((r) => Math.abs(r.relativeError))),
      medianSignedError: median(side.runs.map((r) => r.relativeError)),
      medianMeasuredCprPerMillion: median(side.runs.map((r) => r.measuredCprPerMillion)),
    })),
  };
}
