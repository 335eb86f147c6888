/**
 * A replay with real job managers: each job of a schedule is submitted to an orchestrator at its
 * arrival time and, once admitted, runs as a job manager ({@link createJobRunner}) on one compute
 * backend shared by all jobs, whose concurrency is `maxWorkers`. Every job writes its own folder
 * (`<outDir>/<job id>/`: results.jsonl, splits.jsonl, job.json); the day's `day.json` is built
 * from the job managers' records by the same {@link buildDayReport} the simulator uses.
 */
import { createWriteStream } from 'node:fs';
import path from 'node:path';
import type { ComputeBackend } from '../backends/backend.js';
import { createBackend } from '../backends/factory.js';
import { summarizeCost } from '../core/pricing.js';
import type { ResolvedInputs } from '../dataset/inputs.js';
import { WORKER_LOG_FILE } from '../manager/output.js';
import type { JobOutcome as ManagerOutcome } from '../manager/run-job-types.js';
import type { AdmissionOptions } from '../orchestrator/admission-queue.js';
import { createJobRunner } from '../orchestrator/job-runner.js';
import type { JobOutcome } from '../orchestrator/orchestrator.js';
import type { ResolvedJobSpec } from '../spec/types.js';
import { writeDayReport } from '../trace/day-file.js';
import { buildDayReport, type DayJobOutcome, type DayReport } from '../trace/day-report.js';
import { DAY_JOB_DEFAULTS } from '../orchestrator/day-template.js';
import { replayDay, type ReplayJobTemplate } from './replay.js';
import type { ScheduledJob } from '../trace/schedule.js';
import { makeFolder } from '../util/make-folder.js';

/** Where a replay stands, for progress displays. */
export interface ReplayProgress {
  /** Jobs in the schedule. */
  jobs: number;
  submitted: number;
  queued: number;
  running: number;
  /** Jobs over (succeeded, failed or cancelled). */
  ended: number;
  failed: number;
  cancelled: number;
  /** Images of the whole schedule, and those with a result line so far. */
  images: number;
  imagesDone: number;
}

export interface RealReplayOptions extends Omit<AdmissionOptions, 'caps'> {
  schedule: readonly ScheduledJob[];
  /** Settings every job shares (model, backend, pipeline, retries, prices, dispatch). */
  base: ResolvedJobSpec;
  /** The dataset, resolved once; each job takes its keys from it, cycling. */
  dataset: ResolvedInputs;
  /** The day folder: one sub-folder per job, `day.json`, `workers.log`. */
  outDir: string;
  /** Concurrent workers over all jobs; also the shared backend's concurrency. */
  maxWorkers: number;
  /** Concurrent jobs (default 1, as the reference). */
  maxJobs?: number;
  /** How each job asks to run; default: the base spec's mode, workers and split size (else {@link DAY_JOB_DEFAULTS}, as a simulation). */
  template?: Partial<ReplayJobTemplate>;
  /** Use this backend instead of one made from `base.backend` (not closed here). */
  backend?: ComputeBackend;
  /** Where builtin models are cached. */
  home?: string;
  /** Stops the replay: later jobs are not submitted, queued and running ones cancelled. */
  signal?: AbortSignal;
  onProgress?: (progress: ReplayProgress) => void;
  /** For `day.json`: the trace file, skipped rows, and settings to record (speed, policy...). */
  meta?: { traceFile?: string; malformedRows?: number; settings?: Record<string, unknown> };
  now?: () => Date;
}

export interface RealReplayResult {
  report: DayReport;
  /** Path of `day.json`. */
  file: string;
  /** Jobs of the schedule never submitted (the replay was stopped first). */
  notSubmitted: number;
}

/** The cost of a job as its record states it (the same function `job.json`'s summary used). */
export function costOfRecord(outcome: ManagerOutcome): DayJobOutcome['cost'] {
  const { record } = outcome;
  return summarizeCost(record.invocations, record.inputs.count, record.spec.prices);
}

/** The invocations that ran, those that failed, and the retries and copies of a job, from its record. */
export function dispatchOfRecord(
  outcome: ManagerOutcome,
): Required<Pick<DayJobOutcome, 'invocations' | 'dispatch'>> {
  const { record } = outcome;
  const attempts = record.splits.flatMap((s) => s.attempts);
  return {
    invocations: record.invocations.length,
    dispatch: {
      failedInvocations: record.summary.failedInvocations,
      retries: attempts.filter((a) => a.kind === 'retry').length,
      copies: attempts.filter((a) => a.kind === 'copy').length,
    },
  };
}

function pickAdmission(o: Omit<AdmissionOptions, 'caps'>): Omit<AdmissionOptions, 'caps'> {
  const picked: Omit<AdmissionOptions, 'caps'> = {};
  if (o.policy) picked.policy = o.policy;
  if (o.minGrantFraction !== undefined) picked.minGrantFraction = o.minGrantFraction;
  if (o.maxHeadWaitMs !== undefined) picked.maxHeadWaitMs = o.maxHeadWaitMs;
  if (o.backfillWindow !== undefined) picked.backfillWindow = o.backfillWindow;
  return picked;
}

/** Replays a schedule with real job managers; writes `<outDir>/day.json` and returns the report. */
export async function replayWithJobManagers(options: RealReplayOptions): Promise<RealReplayResult> {
  const { base, dataset, outDir, maxWorkers } = options;
  const template: ReplayJobTemplate = {
    mode: options.template?.mode ?? base.dispatch.type,
    workers: options.template?.workers ?? base.workers ?? DAY_JOB_DEFAULTS.workers,
    splitSize: options.template?.splitSize ?? base.splitSize,
    batchSize: options.template?.batchSize ?? base.pipeline.predict.batchSize,
  };
  const progress: ReplayProgress = {
    jobs: options.schedule.length,
    submitted: 0,
    queued: 0,
    running: 0,
    ended: 0,
    failed: 0,
    cancelled: 0,
    images: options.schedule.reduce((s, j) => s + j.row.images, 0),
    imagesDone: 0,
  };
  const doneByJob = new Map<string, number>();
  const report = (): void => options.onProgress?.({ ...progress });

  await makeFolder(outDir);
  const log = options.backend
    ? undefined
    : createWriteStream(path.join(outDir, WORKER_LOG_FILE), { flags: 'a' });
  const backend =
    options.backend ?? createBackend({ ...base.backend, maxConcurrency: maxWorkers }, log ? { log } : {});
  const runner = createJobRunner({
    base,
    dataset: { storage: dataset.storage, source: dataset.source },
    outRoot: outDir,
    backend,
    ...(options.home !== undefined ? { home: options.home } : {}),
    onProgress: (id, p) => {
      progress.imagesDone += p.done - (doneByJob.get(id) ?? 0);
      doneByJob.set(id, p.done);
      report();
    },
  });
  const onChange = (event: { type: 'queued' | 'started' | 'ended'; outcome?: JobOutcome<unknown> }): void => {
    if (event.type === 'queued') {
      progress.submitted++;
      progress.queued++;
    } else if (event.type === 'started') {
      progress.queued--;
      progress.running++;
    } else {
      if (event.outcome?.startedAt === null) progress.queued--;
      else progress.running--;
      progress.ended++;
      if (event.outcome?.status === 'failed') progress.failed++;
      if (event.outcome?.status === 'cancelled') progress.cancelled++;
    }
    report();
  };

  let outcomes: DayJobOutcome[];
  try {
    report();
    outcomes = await replayDay({
      schedule: options.schedule,
      ...pickAdmission(options),
      ...(options.signal ? { signal: options.signal } : {}),
      caps: { maxWorkers, maxJobs: options.maxJobs ?? 1 },
      keys: dataset.keys,
      template,
      runJob: runner.run,
      onChange,
      describe: (o) => {
        const managed = runner.outcomeOf(o.id);
        return {
          cost: managed ? costOfRecord(managed) : null,
          ...(managed ? dispatchOfRecord(managed) : {}),
          ...(o.startedAt !== null ? { folder: o.id } : {}),
        };
      },
    });
  } finally {
    if (!options.backend) await backend.close();
    if (log) await new Promise<void>((resolve) => log.end(resolve));
  }

  const notSubmitted = options.schedule.length - outcomes.length;
  const day = buildDayReport(outcomes, {
    source: 'replay',
    createdAt: (options.now ?? (() => new Date()))().toISOString(),
    traceFile: options.meta?.traceFile ?? null,
    malformedRows: options.meta?.malformedRows ?? 0,
    settings: {
      maxWorkers,
      maxJobs: options.maxJobs ?? 1,
      mode: template.mode,
      requestedWorkers: template.workers,
      splitSize: template.splitSize,
      batchSize: template.batchSize,
      minGrantFraction: options.minGrantFraction ?? 0,
      backend: base.backend.type,
      memoryMb: base.backend.memoryMb,
      model: base.model.uri,
      inputs: dataset.source.location,
      datasetKeys: dataset.keys.length,
      prices: base.prices.name,
      ...options.meta?.settings,
    },
    details: {
      backend: backend.name,
      ...(log ? { workersLog: WORKER_LOG_FILE } : {}),
      scheduledJobs: options.schedule.length,
      notSubmitted,
    },
  });
  const file = await writeDayReport(outDir, day);
  return { report: day, file, notSubmitted };
}
