/**
 * One optimizer trial: a one-worker static job on one batch (the first `batchSize` images of
 * the inputs) with the trial's worker settings, on a backend of its own, scored by the chosen
 * objective. On the local backend the memory setting changes only the price: processes are not
 * limited to it.
 */
import path from 'node:path';
import { messageOf, UserError } from '../errors.js';
import { runJob } from '../manager/run-job.js';
import { splitBilledSeconds } from '../planning/cpr-sample-record.js';
import type { Params } from '../planning/space.js';
import { scoreTrial, type ObjectiveName } from '../planning/worker-objective.js';
import { settingsFromParams, type WorkerSettings } from '../planning/worker-settings.js';
import type { ResolvedJobSpec } from '../spec/types.js';
import { jobFailure, sliceJob, type InputPool } from './job-slice.js';

/** Folder (under the optimization folder) holding each trial's job outputs. */
export const TRIAL_JOBS_DIR = 'trials';

/** Every setting of a trial, the space's choices completed by the base job's settings. */
export type TrialSettings = Required<WorkerSettings>;

/** What a trial measured, under every objective. */
export interface TrialMeasured {
  images: number;
  /** The batch's billed seconds without the cold start's model load. */
  computeSeconds: number;
  /** Process start and model load (not part of the objective). */
  initSeconds: number;
  /** The job's wall time, first submit to result. */
  latencySeconds: number;
  imagesPerSecond: number;
  costUsd: number;
  costPerImageUsd: number;
  imagesPerDollar: number | null;
  pricePerSecondUsd: number;
}

/** One line of `trials.jsonl`; `value` is null for a failed trial (the optimizer's worst). */
export interface TrialRecord {
  number: number;
  params: Params;
  value: number | null;
  status: 'ok' | 'failed';
  error?: string;
  settings: TrialSettings;
  measured?: TrialMeasured;
  /** The job's id; its outputs are in `trials/trial-<number>/`. */
  job?: string;
  /** Wall time of the whole trial. */
  seconds: number;
}

/** What every trial shares. */
export interface TrialContext {
  base: ResolvedJobSpec;
  pool: InputPool;
  /** The optimization folder. */
  dir: string;
  objective: ObjectiveName;
  home?: string;
  signal?: AbortSignal;
}

/** The trial's settings: its parameters, and the base job's settings for those not chosen. */
export function trialSettings(base: ResolvedJobSpec, params: Params): TrialSettings {
  const chosen = settingsFromParams(params);
  const { pipeline } = base;
  return {
    memory: chosen.memory ?? base.backend.memoryMb,
    batchSize: chosen.batchSize ?? pipeline.predict.batchSize,
    interOpThreads: chosen.interOpThreads ?? pipeline.predict.interOpThreads,
    intraOpThreads: chosen.intraOpThreads ?? pipeline.predict.intraOpThreads,
    replicas: chosen.replicas ?? pipeline.predict.replicas,
    loadConcurrency: chosen.loadConcurrency ?? pipeline.load.concurrency,
    preprocessConcurrency: chosen.preprocessConcurrency ?? pipeline.preprocess.concurrency,
  };
}

function trialSpec(base: ResolvedJobSpec, s: TrialSettings): Partial<ResolvedJobSpec> {
  return {
    dispatch: { type: 'static' },
    splitSize: s.batchSize,
    maxRetries: 0,
    backend: { ...base.backend, memoryMb: s.memory },
    pipeline: {
      ...base.pipeline,
      load: { concurrency: s.loadConcurrency },
      preprocess: { concurrency: s.preprocessConcurrency },
      predict: {
        batchSize: s.batchSize,
        interOpThreads: s.interOpThreads,
        intraOpThreads: s.intraOpThreads,
        replicas: s.replicas,
      },
    },
  };
}

/**
 * Runs trial `number` with `params`. Returns its record (failed trials included: a job that
 * failed, an image with an error, an unusable measurement), or null when cancelled. Throws
 * {@link UserError} only for mistakes that no other trial could avoid (inputs, model).
 */
export async function runTrial(
  ctx: TrialContext,
  number: number,
  params: Params,
): Promise<TrialRecord | null> {
  const started = Date.now();
  const settings = trialSettings(ctx.base, params);
  const spec = await sliceJob(ctx.base, ctx.pool, {
    name: `trial-${number}`,
    images: settings.batchSize,
    workers: 1,
    outDir: path.join(ctx.dir, TRIAL_JOBS_DIR, `trial-${number}`),
    overrides: {
      ...trialSpec(ctx.base, settings),
      // Threads the space does not choose follow the function's vCPUs, as in a real job.
      autoThreads: ctx.base.autoThreads === true && settingsFromParams(params).intraOpThreads === undefined,
    },
  });
  const base = { number, params, settings };
  const failed = (error: string, job?: string): TrialRecord => ({
    ...base,
    value: null,
    status: 'failed',
    error,
    ...(job ? { job } : {}),
    seconds: (Date.now() - started) / 1000,
  });
  let outcome;
  try {
    outcome = await runJob(spec, {
      ...(ctx.signal ? { signal: ctx.signal } : {}),
      ...(ctx.home ? { home: ctx.home } : {}),
    });
  } catch (err) {
    if (err instanceof UserError) throw err;
    return failed(messageOf(err));
  }
  const { summary, record } = outcome;
  base.settings = { ...settings, intraOpThreads: record.pipeline.predict.intraOpThreads };
  if (summary.status === 'cancelled') return null;
  const problem = jobFailure(outcome);
  if (problem) return failed(problem, summary.jobId);
  const { computeSeconds, initSeconds } = splitBilledSeconds(record.invocations);
  const score = scoreTrial(
    ctx.objective,
    { images: summary.inputs, computeSeconds, memoryMb: settings.memory },
    ctx.base.prices,
  );
  if (score.value === null || summary.latencySeconds === null)
    return failed(`no usable measurement (compute ${computeSeconds} s)`, summary.jobId);
  return {
    ...base,
    value: score.value,
    status: 'ok',
    measured: {
      images: summary.inputs,
      computeSeconds,
      initSeconds,
      latencySeconds: summary.latencySeconds,
      imagesPerSecond: score.imagesPerSecond,
      costUsd: score.costUsd,
      costPerImageUsd: score.costPerImageUsd,
      imagesPerDollar: score.imagesPerDollar,
      pricePerSecondUsd: score.pricePerSecondUsd,
    },
    job: summary.jobId,
    seconds: (Date.now() - started) / 1000,
  };
}
