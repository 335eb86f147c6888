/**
 * The shapes the orchestrator reasons about (pure). A job, as far as admission is concerned, is
 * how many inputs it has, how it is dispatched, how many workers it wants and its split size;
 * everything else it carries (model, storage, inputs) travels untouched to the job runner.
 */

/** How a job hands inputs to its workers: fixed chunks, or splits pulled from a dispatcher. */
export type JobMode = 'static' | 'dynamic';

/** What admission control and job policies see of a job. */
export interface JobShape {
  mode: JobMode;
  /** Number of inputs (images); an integer >= 1. */
  inputs: number;
  /** Workers (concurrent function invocations) the job asks for. */
  workers: number;
  /** Inputs per split: dynamic workers pull splits of this size; static jobs size workers by it. */
  splitSize: number;
  /** Inputs per inference batch on one worker, when known (planning policies bound workers by it). */
  batchSize?: number;
  /** Optional per-job target a planning policy may read: dollars per image. */
  cprTargetUsd?: number;
  /** Optional per-job target a planning policy may read: seconds from start to last result. */
  deadlineSeconds?: number;
}

/**
 * A job policy: a plain function from a job to the job to run (typically with a different
 * `workers` or `splitSize`). Applied once, when the job enters the queue; the provisioner then
 * corrects the result against the caps. Policies must not change `inputs`.
 */
export type JobPolicy = (job: Readonly<JobShape>) => JobShape;

/** The two caps of the resource provisioner. */
export interface ProvisionerCaps {
  /** Concurrent workers (function invocations) over all running jobs. */
  maxWorkers: number;
  /** Concurrent jobs (job managers). */
  maxJobs: number;
}

/** The reference's defaults: 100 workers, one job at a time. */
export const DEFAULT_CAPS: Readonly<ProvisionerCaps> = Object.freeze({ maxWorkers: 100, maxJobs: 1 });
