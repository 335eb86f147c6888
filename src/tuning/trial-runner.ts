/**
 * One optimizer trial: a one-worker static job on one batch (the first `batchSize` images of
 * the inputs) with the trial's worker settings and model precision, on a backend of its own,
 * run `repeats` times and scored by the chosen objective on the median of the repeats' compute
 * seconds, so that a lucky repeat does not make a trial the best. On the local backend the
 * memory setting changes only the price: processes are not limited to it.
 */
import path from 'node:path';
import { messageOf, UserError } from '../errors.js';
import { runJob } from '../manager/run-job.js';
import { splitBilledSeconds } from '../planning/cpr-sample-record.js';
import type { Params } from '../planning/space.js';
import { scoreTrial, type ObjectiveName } from '../planning/worker-objective.js';
import { isPrecision, PRECISION_PARAMETER, type Precision } from '../planning/precision.js';
import { settingsFromParams, type WorkerSettings } from '../planning/worker-settings.js';
import type { ResolvedJobSpec } from '../spec/types.js';
import { jobFailure, sliceJob, type InputPool } from './job-slice.js';
import { steadyNow } from '../util/steady-clock.js';
import { median } from '../core/median.js';

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

/** One run of a trial's job. */
export interface TrialRepeat {
  /** The objective's value of this run alone. */
  value: number;
  computeSeconds: number;
  initSeconds: number;
  latencySeconds: number;
  /** The job's id; its outputs are in `trials/trial-<number>/repeat-<k>/`. */
  job: string;
}

/**
 * One line of `trials.jsonl`; `value` is null for a failed trial (the optimizer's worst). A
 * trial that succeeded has the objective scored on the median compute seconds of its repeats;
 * `measured` holds the medians, `repeats` each run.
 */
export interface TrialRecord {
  number: number;
  params: Params;
  value: number | null;
  status: 'ok' | 'failed';
  error?: string;
  settings: TrialSettings;
  /** The model the trial ran (its int8 version when the trial chose that precision). */
  model?: string;
  measured?: TrialMeasured;
  repeats?: TrialRepeat[];
  /** The job of the median repeat. */
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
  /** Runs of each trial's job (>= 1). */
  repeats: number;
  /** The model file of each precision a space may choose (`fp32`: the base job's model). */
  models: Partial<Record<Precision, string>>;
  home?: string;
  signal?: AbortSignal;
}

/** The spread of a trial's repeats in the objective's units: `value` is their median. */
export interface TrialSpread {
  repeats: number;
  median: number;
  min: number;
  max: number;
}

/** A successful trial's spread (a trial of an older log, without repeats, counts as one). */
export function trialSpread(trial: TrialRecord): TrialSpread | null {
  if (trial.value === null) return null;
  const values = trial.repeats?.map((r) => r.value) ?? [trial.value];
  return { repeats: values.length, median: trial.value, min: Math.min(...values), max: Math.max(...values) };
}

/** The model a trial runs: the file of its precision, or the base job's. */
export function trialModel(ctx: Pick<TrialContext, 'base' | 'models'>, params: Params): string {
  const precision = params[PRECISION_PARAMETER];
  if (!isPrecision(precision)) return ctx.base.model.uri;
  const file = ctx.models[precision];
  if (file === undefined) throw new Error(`no model file for precision '${precision}'`);
  return file;
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

type RepeatOutcome = { repeat: TrialRepeat; images: number } | { error: string; job?: string } | null;

/** Runs the trial's job once (repeat `k`). Null when cancelled. */
async function runRepeat(
  ctx: TrialContext,
  number: number,
  k: number,
  params: Params,
  settings: TrialSettings,
): Promise<{ outcome: RepeatOutcome; intraOpThreads?: number }> {
  const spec = await sliceJob(ctx.base, ctx.pool, {
    name: `trial-${number}-${k}`,
    images: settings.batchSize,
    workers: 1,
    outDir: path.join(ctx.dir, TRIAL_JOBS_DIR, `trial-${number}`, `repeat-${k}`),
    overrides: {
      ...trialSpec(ctx.base, settings),
      model: { ...ctx.base.model, uri: trialModel(ctx, params) },
      // Threads the space does not choose follow the function's vCPUs, as in a real job.
      autoThreads: ctx.base.autoThreads === true && settingsFromParams(params).intraOpThreads === undefined,
    },
  });
  let job;
  try {
    job = await runJob(spec, {
      ...(ctx.signal ? { signal: ctx.signal } : {}),
      ...(ctx.home ? { home: ctx.home } : {}),
    });
  } catch (err) {
    if (err instanceof UserError) throw err;
    return { outcome: { error: messageOf(err) } };
  }
  const { summary, record } = job;
  const intraOpThreads = record.pipeline.predict.intraOpThreads;
  if (summary.status === 'cancelled') return { outcome: null };
  const problem = jobFailure(job);
  if (problem) return { outcome: { error: problem, job: summary.jobId }, intraOpThreads };
  const { computeSeconds, initSeconds } = splitBilledSeconds(record.invocations);
  const score = scoreTrial(
    ctx.objective,
    { images: summary.inputs, computeSeconds, memoryMb: settings.memory },
    ctx.base.prices,
  );
  if (score.value === null || summary.latencySeconds === null)
    return {
      outcome: { error: `no usable measurement (compute ${computeSeconds} s)`, job: summary.jobId },
      intraOpThreads,
    };
  const repeat = {
    value: score.value,
    computeSeconds,
    initSeconds,
    latencySeconds: summary.latencySeconds,
    job: summary.jobId,
  };
  return { outcome: { repeat, images: summary.inputs }, intraOpThreads };
}

/**
 * Runs trial `number` with `params`, `ctx.repeats` times. Returns its record (failed trials
 * included: a job that failed, an image with an error, an unusable measurement, in any repeat),
 * or null when cancelled. Throws {@link UserError} only for mistakes that no other trial could
 * avoid (inputs, model).
 */
export async function runTrial(
  ctx: TrialContext,
  number: number,
  params: Params,
): Promise<TrialRecord | null> {
  const started = steadyNow();
  const settings = trialSettings(ctx.base, params);
  const model = trialModel(ctx, params);
  const base = { number, params, settings, ...(model !== ctx.base.model.uri ? { model } : {}) };
  const repeats: TrialRepeat[] = [];
  let images = 0;
  for (let k = 0; k < ctx.repeats; k++) {
    const { outcome, intraOpThreads } = await runRepeat(ctx, number, k, params, settings);
    if (intraOpThreads !== undefined) base.settings = { ...settings, intraOpThreads };
    if (outcome === null) return null;
    if ('error' in outcome)
      return {
        ...base,
        value: null,
        status: 'failed',
        error: ctx.repeats > 1 ? `repeat ${k + 1} of ${ctx.repeats}: ${outcome.error}` : outcome.error,
        ...(outcome.job ? { job: outcome.job } : {}),
        ...(repeats.length > 0 ? { repeats } : {}),
        seconds: (steadyNow() - started) / 1000,
      };
    repeats.push(outcome.repeat);
    images = outcome.images;
  }
  // Every repeat ran (a failed or stopped one returned above): at least one (repeats >= 1).
  const medianOf = (value: (r: TrialRepeat) => number): number => median(repeats.map(value)) as number;
  const computeSeconds = medianOf((r) => r.computeSeconds);
  const score = scoreTrial(
    ctx.objective,
    { images, computeSeconds, memoryMb: settings.memory },
    ctx.base.prices,
  );
  const middle = repeats.reduce((a, b) =>
    Math.abs(b.computeSeconds - computeSeconds) < Math.abs(a.computeSeconds - computeSeconds) ? b : a,
  );
  return {
    ...base,
    value: score.value,
    status: 'ok',
    measured: {
      images,
      computeSeconds,
      initSeconds: medianOf((r) => r.initSeconds),
      latencySeconds: medianOf((r) => r.latencySeconds),
      imagesPerSecond: score.imagesPerSecond,
      costUsd: score.costUsd,
      costPerImageUsd: score.costPerImageUsd,
      imagesPerDollar: score.imagesPerDollar,
      pricePerSecondUsd: score.pricePerSecondUsd,
    },
    repeats,
    job: middle.job,
    seconds: (steadyNow() - started) / 1000,
  };
}
