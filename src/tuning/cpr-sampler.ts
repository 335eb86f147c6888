/**
 * `obifaas cpr sample`: runs the reference's sampling plan, each point a real job on the
 * configured backend, and appends one record per finished job to `samples.jsonl`.
 *
 * Cold starts are measured on purpose. Each job gets a backend of its own (made from the spec
 * and closed when the job ends), and by default a job gets at most as many workers as the
 * backend runs at once, so every worker of every job is a cold start, as the first invocations
 * of a burst are on Lambda: init seconds grow with the workers and the CPR model's init term
 * can be fitted. Jobs run one at a time, in a seeded shuffled order, so that a drift in the
 * machine's load does not line up with the job sizes. A warm-up job (not recorded) first
 * fills the caches a first start would otherwise pay for.
 *
 * With `precisions` (`--precision fp32,int8`), every point runs in each precision, the jobs of
 * both shuffled together so that both see the same machine, and each record says its precision:
 * `cpr fit` fits one model per precision.
 *
 * Each record also says how busy the machine was during its job (`machine`: the load average,
 * our CPU seconds, the cores other processes kept busy), so that a drift in the machine's load
 * between the samples and a later job can be seen rather than guessed.
 */
import path from 'node:path';
import { Random } from '../core/random.js';
import { runJob } from '../manager/run-job.js';
import type { JobEvent, JobProgress } from '../manager/job-events.js';
import type { JobOutcome } from '../manager/run-job-types.js';
import { checkCprSample, type MachineLoad } from '../planning/cpr-records.js';
import {
  pendingRuns,
  sampleRecord,
  type CprSampleRecord,
  type SampleRun,
} from '../planning/cpr-sample-record.js';
import type { Precision } from '../planning/precision.js';
import { samplingPlan, type SamplePoint } from '../planning/sampling-plan.js';
import type { ResolvedJobSpec } from '../spec/types.js';
import { machineLoadSince, readMachine } from '../util/machine-load.js';
import { jobFailure, prepareInputPool, sliceJob } from './job-slice.js';
import { precisionModels } from './precision-models.js';
import { SampleLog, SAMPLING_PLAN_FILE, type SamplingSetup } from './sample-log.js';
import { steadyNow } from '../util/steady-clock.js';

/** Folder (under the sampling folder) holding each point's job outputs. */
export const SAMPLE_JOBS_DIR = 'jobs';

export interface CprSamplingOptions {
  /** The sampling folder. */
  dir: string;
  /** The jobs' settings: inputs, model, backend, pipeline, prices, dispatch mode. */
  spec: ResolvedJobSpec;
  maxImages: number;
  /** Images per split; a job of n images gets at most n / batchSize workers. */
  batchSize: number;
  linear: number;
  log: number;
  seed: number;
  /** Most workers of a job; default the backend's concurrency (every worker a cold start). */
  maxWorkers?: number;
  minImages?: number;
  /** Run an unrecorded warm-up job first (default true). */
  warmup?: boolean;
  /** Run each point in each of these precisions (default: the model as given, unrecorded). */
  precisions?: readonly Precision[];
  /** The int8 model (default: built or quantized, see `precision-models.ts`). */
  int8Model?: string;
  /** Where builtin models are cached. */
  home?: string;
  signal?: AbortSignal;
  onEvent?: (event: SamplingEvent) => void;
}

/** What the sampler reports as it goes. */
export type SamplingEvent =
  | { type: 'plan'; planned: number; recorded: number; pending: number }
  | { type: 'quantize'; model: string; out: string }
  | { type: 'warmup'; precision: Precision | null }
  | { type: 'start'; point: SamplePoint; precision: Precision | null; position: number; of: number }
  | { type: 'progress'; point: SamplePoint; progress: JobProgress }
  | { type: 'sampled'; point: SamplePoint; record: CprSampleRecord }
  | { type: 'failed'; point: SamplePoint; precision: Precision | null; error: string };

/** A point whose job did not give a record (it is not recorded: a re-run tries it again). */
export interface FailedPoint {
  index: number;
  precision: Precision | null;
  images: number;
  workers: number;
  error: string;
}

/** What `cpr sample` did. */
export interface SamplingReport {
  dir: string;
  samplesFile: string;
  planFile: string;
  planned: number;
  /** Points recorded by an earlier run (skipped). */
  skipped: number;
  sampled: CprSampleRecord[];
  failed: FailedPoint[];
  /** Points still to sample (failed or not reached). */
  remaining: number;
  cancelled: boolean;
  mode: string;
  /** Whether the jobs made speculative copies of straggling splits. */
  speculation: boolean;
  memoryMb: number;
  maxWorkers: number;
  elapsedSeconds: number;
  /** Dollars of the jobs sampled in this run. */
  costUsd: number;
}

/** The order jobs run in: the pending runs shuffled by the seed. */
function executionOrder(points: SampleRun[], seed: number): SampleRun[] {
  const order = [...points];
  const random = new Random((seed ^ 0x5a17) >>> 0);
  for (let i = order.length - 1; i > 0; i--) {
    const j = random.int(0, i);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}

/** Whether a job spec asks for speculative copies (dynamic dispatch with speculation on). */
export function hasSpeculation(spec: ResolvedJobSpec): boolean {
  return ((spec.dispatch as { speculation?: unknown }).speculation ?? null) !== null;
}

/** Runs the plan's points not yet recorded in `options.dir`. */
export async function runCprSampling(options: CprSamplingOptions): Promise<SamplingReport> {
  const started = steadyNow();
  const { spec, dir } = options;
  const emit = options.onEvent ?? (() => undefined);
  const maxWorkers = options.maxWorkers ?? spec.backend.maxConcurrency;
  const plan = samplingPlan({
    maxImages: options.maxImages,
    batchSize: options.batchSize,
    linear: options.linear,
    log: options.log,
    seed: options.seed,
    maxWorkers,
    ...(options.minImages !== undefined ? { minImages: options.minImages } : {}),
  });
  const pool = await prepareInputPool(
    spec,
    options.maxImages,
    `a plan up to --max-images ${options.maxImages}`,
    options.home,
  );
  const precisions = options.precisions?.length ? [...options.precisions] : null;
  const models = precisions
    ? await precisionModels(spec, precisions, {
        dir,
        ...(options.int8Model !== undefined ? { int8Model: options.int8Model } : {}),
        ...(options.home ? { home: options.home } : {}),
        onQuantize: (model, out) => emit({ type: 'quantize', model, out }),
      })
    : {};
  const setup: SamplingSetup = {
    version: 1,
    maxImages: options.maxImages,
    minImages: options.minImages ?? Math.min(options.batchSize, options.maxImages),
    batchSize: options.batchSize,
    linear: options.linear,
    log: options.log,
    seed: options.seed,
    maxWorkers,
    memoryMb: spec.backend.memoryMb,
    backend: spec.backend.type,
    mode: spec.dispatch.type,
    speculation: hasSpeculation(spec),
    model: spec.model.uri,
    inputs: pool.location,
    ...(precisions ? { precisions, models } : {}),
    points: plan,
  };
  const log = await SampleLog.open(dir, setup);
  const report: SamplingReport = {
    dir,
    samplesFile: log.file,
    planFile: path.join(dir, SAMPLING_PLAN_FILE),
    planned: plan.length * (precisions?.length ?? 1),
    skipped: log.recorded.length,
    sampled: [],
    failed: [],
    remaining: 0,
    cancelled: false,
    mode: spec.dispatch.type,
    speculation: hasSpeculation(spec),
    memoryMb: spec.backend.memoryMb,
    maxWorkers,
    elapsedSeconds: 0,
    costUsd: 0,
  };
  const pending = executionOrder(pendingRuns(plan, precisions ?? [null], log.recorded), options.seed);
  emit({ type: 'plan', planned: report.planned, recorded: log.recorded.length, pending: pending.length });
  const jobSpec = (point: SamplePoint | null, precision: Precision | null): Promise<ResolvedJobSpec> => {
    const name = `${point ? `cpr-${point.index}` : 'warmup'}${precision ? `-${precision}` : ''}`;
    return sliceJob(spec, pool, {
      name: point ? name : `cpr-${name}`,
      images: point ? point.images : Math.min(options.batchSize, options.maxImages),
      workers: point ? point.workers : 1,
      outDir: path.join(dir, SAMPLE_JOBS_DIR, name),
      overrides: {
        splitSize: options.batchSize,
        ...(precision ? { model: { ...spec.model, uri: models[precision]! } } : {}),
      },
    });
  };
  const jobDeps = (point: SamplePoint | null) => ({
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.home ? { home: options.home } : {}),
    ...(point
      ? { onProgress: (e: JobEvent) => emit({ type: 'progress', point, progress: e.progress }) }
      : {}),
  });
  try {
    if (pending.length > 0 && options.warmup !== false) {
      for (const precision of precisions ?? [null]) {
        emit({ type: 'warmup', precision });
        await runJob(await jobSpec(null, precision), jobDeps(null));
      }
    }
    for (const [position, { point, precision }] of pending.entries()) {
      if (options.signal?.aborted) break;
      emit({ type: 'start', point, precision, position, of: pending.length });
      const job = await jobSpec(point, precision);
      const before = readMachine();
      const outcome = await runJob(job, jobDeps(point));
      const machine = machineLoadSince(before);
      if (outcome.summary.status === 'cancelled') break;
      const kept = jobFailure(outcome) ?? recordProblem(point, precision, outcome, machine);
      if (typeof kept === 'string') {
        const { index, images, workers } = point;
        report.failed.push({ index, precision, images, workers, error: kept });
        emit({ type: 'failed', point, precision, error: kept });
        continue;
      }
      await log.append(kept.record);
      report.sampled.push(kept.record);
      report.costUsd += kept.record.costUsd ?? 0;
      emit({ type: 'sampled', point, record: kept.record });
    }
  } finally {
    await log.close();
  }
  report.cancelled = options.signal?.aborted === true;
  report.remaining = report.planned - report.skipped - report.sampled.length;
  report.elapsedSeconds = (steadyNow() - started) / 1000;
  return report;
}

/** The point's record, or why it cannot be kept. */
function recordProblem(
  point: SamplePoint,
  precision: Precision | null,
  outcome: JobOutcome,
  machine: MachineLoad,
): string | { record: CprSampleRecord } {
  const { record, summary } = outcome;
  if (summary.latencySeconds === null)
    return `the job ${summary.status === 'completed' ? 'predicted nothing' : summary.status}, so it has no latency`;
  const sample = sampleRecord(
    point,
    {
      jobId: summary.jobId,
      images: summary.inputs,
      latencySeconds: summary.latencySeconds,
      costUsd: summary.costUsd,
      memoryMb: summary.memoryMb,
      mode: summary.mode,
      invocations: record.invocations,
    },
    precision,
    machine,
  );
  if (sample.coldStarts === 0) {
    return 'the job had no cold start, so its init time was not measured (does the backend keep functions warm between jobs?)';
  }
  const issues = checkCprSample(sample, `point ${point.index}`);
  if (issues.length > 0) return `bad measurement: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`;
  return { record: sample };
}
