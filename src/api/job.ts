/**
 * One job from code: options -> a resolved spec -> its plan, or a run that returns the same
 * summary object `obifaas run --json` prints. The job manager does the work; this module only
 * gives it options that a program would write.
 */
import os from 'node:os';
import type { ComputeBackend } from '../backends/backend.js';
import { SpecError, UserError } from '../errors.js';
import type { TimeEstimate } from '../job-plan/types.js';
import { dryRunJob as dryRunPlannedJob, type DryRun } from '../manager/dry-run.js';
import type { JobEventListener } from '../manager/job-events.js';
import type { UploadReport } from '../manager/job-upload.js';
import { runStagedJob } from '../manager/staged-job.js';
import type { JobSummary } from '../manager/types.js';
import type { RunJobDeps } from '../manager/run-job-types.js';
import { compileJobSpec } from '../spec/compile.js';
import type { JobOptions } from '../spec/schema.js';
import { resolvedJobSpecSchema } from '../spec/resolved-schema.js';
import type { CompileContext, ResolvedJobSpec } from '../spec/types.js';
import { checkSchema } from '../util/schema.js';
import { safeListener } from '../util/listener.js';
import { stagingRoot } from '../util/paths.js';
import { loadTimeEstimate, type TimeEstimateSource } from './time-estimate.js';

/**
 * Resolves job options (what a config file or flags would say: `{ inputs, model, workers, ... }`)
 * into a {@link ResolvedJobSpec}: every default applied, paths made absolute against
 * `context.cwd` (default the working directory), the default output folder named from
 * `context.now`. Throws `SpecError` carrying every issue at once, each with its field path.
 */
export function resolveJobSpec(options: JobOptions, context: Partial<CompileContext> = {}): ResolvedJobSpec {
  return compileJobSpec(options, {
    cores: context.cores ?? os.availableParallelism(),
    now: context.now ?? new Date(),
    cwd: context.cwd ?? process.cwd(),
    stagingRoot: context.stagingRoot ?? stagingRoot(),
  });
}

/**
 * Refuses, before anything runs, a `spec` that is not a resolved spec: from a program without
 * types, options that never went through {@link resolveJobSpec} (their own mistakes, as
 * `resolveJobSpec` and the CLI word them, or a pointer to it), or a resolved spec changed into
 * one the job manager cannot run (a `SpecError` naming each field).
 */
function checkResolvedSpec(spec: unknown, caller: string): void {
  const checked = checkSchema(resolvedJobSpecSchema, spec);
  if (checked.ok) return;
  const isResolved = typeof spec === 'object' && spec !== null && 'outDir' in spec && 'dispatch' in spec;
  if (!isResolved) {
    resolveJobSpec(spec as JobOptions); // throws the options' SpecError
    throw new UserError(
      `${caller} takes a resolved job spec: pass the options through resolveJobSpec() first`,
    );
  }
  throw new SpecError(checked.issues, `${caller}: invalid resolved job spec`);
}

/** How {@link runJob} runs a job. Every field is optional. */
export interface RunJobOptions {
  /**
   * Cancels the job: no new invocations, running ones stopped, unfinished inputs get
   * "cancelled", and the abort's reason (an Error's message or a string) is the summary's
   * `cancelReason`. Aborted before the job starts, nothing is written and the call rejects with
   * `signal.reason`.
   */
  signal?: AbortSignal;
  /**
   * Receives the job's events (invocations, splits, errors), each with the job's progress. It is
   * called synchronously and should return quickly; an error it throws is caught (the job goes
   * on) and the first one is told as a process warning, `OBIFAAS_LISTENER_THREW`.
   */
  onProgress?: JobEventListener;
  /**
   * How long a function takes, so that the plan predicts the job's cost and latency and
   * `job.json` keeps the prediction (`plan.predicted`; the job's report sets it against what was
   * measured): a profile or CPR model source, or an estimate already loaded.
   */
  estimate?: TimeEstimateSource | TimeEstimate;
  /** Run the functions here (not closed by the job); default: the backend `spec.backend` names. */
  backend?: ComputeBackend;
  /** Where builtin models are built and cached; default `$OBIFAAS_HOME` or `~/.obifaas`. */
  home?: string;
}

async function estimateOf(estimate: RunJobOptions['estimate']): Promise<TimeEstimate | undefined> {
  if (estimate === undefined) return undefined;
  return 'kind' in estimate ? estimate : loadTimeEstimate(estimate);
}

/** What the job manager gets of a job's options. */
export async function jobDeps(options: RunJobOptions): Promise<RunJobDeps> {
  const estimate = await estimateOf(options.estimate);
  return {
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onProgress ? { onProgress: safeListener('onProgress', options.onProgress) } : {}),
    ...(options.backend ? { backend: options.backend } : {}),
    ...(options.home !== undefined ? { home: options.home } : {}),
    ...(estimate ? { estimate } : {}),
  };
}

/**
 * Runs a job to its end and returns its summary: the object `obifaas run --json` prints. Every
 * input gets exactly one line in `<summary.out>/results.jsonl`, whether the job completes
 * (`status: 'completed'`, even when some inputs have errors), is cancelled through
 * `options.signal`, or is stopped by a failure no retry can fix (`'failed'`); `job.json` beside it
 * holds every invocation and split. Throws `UserError` (nothing ran) for inputs, a model or an
 * output folder that cannot be used, `signal.reason` for a signal aborted before the job starts
 * (nothing written, no folder made), and `SpecError` for a `spec` that is not what
 * {@link resolveJobSpec} returns. A job whose `out` is `s3://bucket/prefix` works in its
 * staging folder and uploads its files when it ends (see {@link UploadedSummary}).
 */
export async function runJob(spec: ResolvedJobSpec, options: RunJobOptions = {}): Promise<UploadedSummary> {
  checkResolvedSpec(spec, 'runJob');
  const { summary, upload } = await runStagedJob(spec, await jobDeps(options), {
    stagingRoot: stagingRoot(),
  });
  return upload ? { ...summary, upload } : summary;
}

/**
 * A job's summary; for a job whose `out` is an `s3://` prefix, with how its upload ended
 * (`upload.status: 'failed'`: the files stay in the staging folder, and `resumeJob` of the same
 * `s3://` location finishes the upload without running the job again).
 */
export type UploadedSummary = JobSummary & { upload?: UploadReport };

/** How {@link dryRunJob} plans a job. */
export interface DryRunOptions {
  /** How long a function takes, for the predicted cost (see {@link RunJobOptions.estimate}). */
  estimate?: TimeEstimateSource | TimeEstimate;
  /** The backend the job would run on (not closed); default: the one `spec.backend` names. */
  backend?: ComputeBackend;
}

/**
 * The plan `runJob` would run, and nothing run (what `obifaas run --dry-run` prints): the
 * inputs are listed and the backend asked what its functions have; no function is invoked, no
 * model built and no output folder made. Throws `UserError` for inputs that cannot be listed, a
 * missing local model or labels file, or an output folder in use (several: one `SpecError`).
 */
export async function dryRunJob(spec: ResolvedJobSpec, options: DryRunOptions = {}): Promise<DryRun> {
  checkResolvedSpec(spec, 'dryRunJob');
  const estimate = await estimateOf(options.estimate);
  return dryRunPlannedJob(spec, {
    ...(estimate ? { estimate } : {}),
    ...(options.backend ? { backend: options.backend } : {}),
  });
}
