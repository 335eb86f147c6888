/**
 * The orchestrator's production job runner: an admitted job becomes a resolved job spec (the
 * shared settings, the workers and split size the provisioner granted, the job's own inputs and
 * output folder `<outRoot>/<job id>/`) and runs as a real job manager ({@link runJob}) on a
 * compute backend shared by every job of the orchestrator.
 *
 * Sharing one backend whose concurrency is the provisioner's `maxWorkers` keeps warm functions
 * across jobs (as a serverless platform does) and bounds the invocations in flight twice: each
 * job invokes at most the workers it was granted, and the granted workers of running jobs never
 * sum to more than `maxWorkers`.
 */
import { access } from 'node:fs/promises';
import path from 'node:path';
import type { ComputeBackend } from '../backends/backend.js';
import { withinGrant } from '../spec/dispatch-core-options.js';
import type { ResolvedInputs } from '../dataset/inputs.js';
import { messageOf, UserError } from '../errors.js';
import { JsonlLog, RESULTS_FILE } from '../manager/output.js';
import { CANCELLED_ERROR, runJob } from '../manager/run-job.js';
import type { JobEvent, JobProgress } from '../manager/job-events.js';
import type { JobOutcome as ManagerOutcome } from '../manager/run-job-types.js';
import type { DispatchSpec, ResolvedJobSpec } from '../spec/types.js';
import type { AdmittedJob, JobRunner, SubmittedJob } from './orchestrator.js';
import type { JobMode } from './types.js';
import { makeFolder } from '../util/make-folder.js';

/** A job the real runner can run: its shape, an id, and its inputs (keys may repeat). */
export interface ManagedJob extends SubmittedJob {
  id: string;
  /** The job's inputs, in order; `inputs` must equal their number. */
  keys: readonly string[];
  /** Settings of this job that differ from the shared ones (for example another model). */
  overrides?: Partial<Pick<ResolvedJobSpec, 'model' | 'pipeline' | 'maxRetries' | 'prices'>>;
}

export interface JobRunnerOptions {
  /**
   * The settings every job shares (model, backend, pipeline, retries, prices); its `dispatch`
   * is used for jobs of the same mode. Its `name`, `inputs`, `workers` and `outDir` are replaced
   * per job.
   */
  base: ResolvedJobSpec;
  /** Where the jobs' keys live and what named them (recorded in each `job.json`). */
  dataset: Pick<ResolvedInputs, 'storage' | 'source'>;
  /** Each job writes into `<outRoot>/<job id>/`. */
  outRoot: string;
  /** The backend every job invokes (not closed by the runner). */
  backend: ComputeBackend;
  /** Where builtin models are cached (default `obifaasHome()`). */
  home?: string;
  /** A job's progress, after each finished split. */
  onProgress?: (jobId: string, progress: JobProgress) => void;
}

/** A job that ran to its end but stopped early on a failure no retry could fix. */
export class JobStoppedError extends Error {
  override name = 'JobStoppedError';
  constructor(
    message: string,
    readonly outcome: ManagerOutcome,
  ) {
    super(message);
  }
}

/** The runner, and what the job managers reported. */
export interface RealJobRunner<J extends ManagedJob = ManagedJob> {
  run: JobRunner<J, ManagerOutcome>;
  /**
   * What the job manager returned for a job, whatever its status (completed, failed or
   * cancelled); undefined when it never produced a record (it failed before starting).
   */
  outcomeOf(jobId: string): ManagerOutcome | undefined;
  /** The folder of a job (it exists once the job started). */
  folderOf(jobId: string): string;
}

/** The dispatch spec of a job in `mode`: the shared one when the modes agree. */
function dispatchFor(mode: JobMode, base: DispatchSpec, jobId: string): DispatchSpec {
  if (mode === 'static') return base.type === 'static' ? base : { type: 'static' };
  if ((base.type as JobMode) === mode) return base;
  throw new UserError(
    `job ${jobId}: mode '${mode}' needs its dispatch settings; run every job in that mode (--mode ${mode})`,
  );
}

/**
 * The resolved spec of one admitted job: at most `job.workers` (the grant) invocations at once,
 * speculative copies included.
 */
export function jobSpecFor(
  job: AdmittedJob<ManagedJob>,
  base: ResolvedJobSpec,
  outRoot: string,
): ResolvedJobSpec {
  if (job.keys.length !== job.inputs)
    throw new Error(`job ${job.id}: ${job.keys.length} keys for ${job.inputs} inputs`);
  const { workers, dispatch } = withinGrant(job.workers, dispatchFor(job.mode, base.dispatch, job.id));
  return {
    ...base,
    ...job.overrides,
    name: job.id,
    workers,
    splitSize: job.splitSize,
    dispatch,
    outDir: path.join(outRoot, job.id),
  };
}

/**
 * Gives every input of a job that failed (or was cancelled) before it started the error line
 * `error`, in a job folder that has no results yet (a folder holding another job's results is
 * left alone).
 */
async function closeUnstartedJob(dir: string, keys: readonly string[], error: string): Promise<void> {
  const file = path.join(dir, RESULTS_FILE);
  const exists = await access(file).then(
    () => true,
    () => false,
  );
  if (exists) return;
  await makeFolder(dir);
  const log = await JsonlLog.open(file);
  try {
    await log.append(keys.map((key) => ({ key, top: null, error })));
  } finally {
    await log.close();
  }
}

/** The production runner of an {@link Orchestrator} whose jobs carry their keys. */
export function createJobRunner<J extends ManagedJob = ManagedJob>(
  options: JobRunnerOptions,
): RealJobRunner<J> {
  const outcomes = new Map<string, ManagerOutcome>();
  const folderOf = (jobId: string): string => path.join(options.outRoot, jobId);
  const run: JobRunner<J, ManagerOutcome> = async (job, { signal }) => {
    let outcome: ManagerOutcome;
    try {
      const spec = jobSpecFor(job, options.base, options.outRoot);
      outcome = await runJob(spec, {
        backend: options.backend,
        inputs: { ...options.dataset, keys: [...job.keys] },
        signal,
        ...(options.home !== undefined ? { home: options.home } : {}),
        ...(options.onProgress
          ? { onProgress: (e: JobEvent) => options.onProgress?.(job.id, e.progress) }
          : {}),
      });
    } catch (err) {
      const error = signal.aborted ? CANCELLED_ERROR : `job failed: ${messageOf(err)}`;
      await closeUnstartedJob(folderOf(job.id), job.keys, error).catch(() => undefined);
      throw err;
    }
    outcomes.set(job.id, outcome);
    if (outcome.summary.status === 'failed')
      throw new JobStoppedError(`job stopped: ${outcome.record.stopReason ?? 'unknown reason'}`, outcome);
    return outcome;
  };
  return { run, outcomeOf: (id) => outcomes.get(id), folderOf };
}
