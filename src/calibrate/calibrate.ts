/**
 * A function profile for the simulator, measured with real job managers on a real backend: a
 * few calibration jobs, each running `workers` functions at once on chunks of one size, timed
 * from submission to `job.json` as the orchestrator times a job. Fitting job time against chunk
 * size ({@link fitProfile}) puts the job manager's own overhead in `perSplitOverheadSeconds`,
 * and measuring with `workers` functions at once puts their contention for the machine in the
 * per-image time. The first job starts the functions: its cold invocations give `initSeconds`
 * (process start plus model load).
 */
import path from 'node:path';
import type { ComputeBackend } from '../backends/backend.js';
import type { ResolvedInputs } from '../dataset/inputs.js';
import { planFunctions } from '../job-plan/plan-job.js';
import { runJob } from '../manager/run-job.js';
import type { JobRecord } from '../manager/types.js';
import { fitProfile, type SplitSample } from '../simulate/profile-fit.js';
import type { FunctionProfileInput } from '../simulate/profile.js';
import type { ResolvedJobSpec } from '../spec/types.js';
import { takeInputs } from '../trace/schedule.js';
import { steadyNow } from '../util/steady-clock.js';

/** The calibration jobs to run: their settings, inputs and backend, and the chunk sizes to time. */
export interface CalibrationOptions {
  /** Shared job settings (model, pipeline, prices); static dispatch is used. */
  base: ResolvedJobSpec;
  dataset: ResolvedInputs;
  /** The backend to measure (not closed here); it should run at least `workers` at once. */
  backend: ComputeBackend;
  /** Calibration job folders go under it. */
  outDir: string;
  /** Functions running at once in each calibration job. */
  workers: number;
  /** Images per function to measure, e.g. `[4, 8, 16, 32]`. */
  chunkSizes: readonly number[];
  /** Jobs per chunk size (default 2). */
  repeats?: number;
  /** The profile's name, and its split size (default: the largest chunk size). */
  name?: string;
  splitSize?: number;
  home?: string;
}

async function timedJob(
  options: CalibrationOptions,
  name: string,
  perWorker: number,
): Promise<{ seconds: number; record: JobRecord }> {
  const inputs = options.workers * perWorker;
  const spec: ResolvedJobSpec = {
    ...options.base,
    name,
    workers: options.workers,
    splitSize: perWorker,
    dispatch: { type: 'static' },
    outDir: path.join(options.outDir, name),
  };
  const started = steadyNow();
  const outcome = await runJob(spec, {
    backend: options.backend,
    inputs: { ...options.dataset, keys: takeInputs(options.dataset.keys, inputs) },
    ...(options.home !== undefined ? { home: options.home } : {}),
  });
  if (outcome.summary.status !== 'completed' || outcome.summary.errors > 0)
    throw new Error(`calibration job ${name}: ${outcome.summary.status}, ${outcome.summary.errors} error(s)`);
  return { seconds: (steadyNow() - started) / 1000, record: outcome.record };
}

/** Measurements of {@link measureCalibration}: fit them with {@link fitCalibration}. */
export interface CalibrationSamples {
  samples: SplitSample[];
  initSeconds: number[];
}

/**
 * Runs the calibration jobs: one to start the functions (its cold invocations give the init
 * times), then `repeats` jobs per chunk size, each timed.
 */
export async function measureCalibration(options: CalibrationOptions): Promise<CalibrationSamples> {
  const sizes = [...options.chunkSizes];
  if (sizes.length === 0 || sizes.some((k) => !Number.isInteger(k) || k < 1))
    throw new RangeError('chunkSizes: expected whole numbers >= 1');
  const tag = `${Date.now().toString(36)}`;
  const warmup = await timedJob(options, `calibrate-${tag}-warmup`, Math.min(...sizes));
  const initSeconds = warmup.record.invocations
    .filter((i) => i.cold && i.ok)
    .map((i) => (i.initMs + (i.modelLoadMs ?? 0)) / 1000);
  const samples: SplitSample[] = [];
  for (let r = 0; r < (options.repeats ?? 2); r++) {
    for (const k of sizes) {
      const { seconds } = await timedJob(options, `calibrate-${tag}-${k}-${r}`, k);
      samples.push({ images: k, seconds });
    }
  }
  return { samples, initSeconds };
}

/** The profile that calibration samples (from one or several runs) imply. */
export function fitCalibration(
  options: Omit<CalibrationOptions, 'dataset' | 'outDir' | 'chunkSizes' | 'repeats'> & {
    chunkSizes?: readonly number[];
  },
  measured: readonly CalibrationSamples[],
): FunctionProfileInput {
  const { base, backend } = options;
  const samples = measured.flatMap((m) => m.samples);
  return fitProfile({
    name: options.name ?? `${backend.name}-measured`,
    memoryMb: backend.memoryMb,
    splitSize: options.splitSize ?? Math.max(...samples.map((s) => s.images)),
    concurrencyLimit: backend.maxConcurrency,
    splits: samples,
    initSeconds: measured.flatMap((m) => m.initSeconds),
    prices: {
      arch: base.prices.arch,
      name: base.prices.name,
      usdPerGbSecond: base.prices.usdPerGbSecond,
      usdPerRequest: base.prices.usdPerRequest,
      billingGranularityMs: base.prices.billingGranularityMs,
      billsInit: base.prices.billsInit,
    },
    worker: {
      backend: backend.name,
      concurrentWorkers: options.workers,
      model: base.model.uri,
      batchSize: base.pipeline.predict.batchSize,
      intraOpThreads: planFunctions(base, backend, Math.min(options.workers, backend.maxConcurrency))
        .intraOpThreads,
    },
  });
}
