/**
 * What a running job tells its listener (`runJob`'s `onProgress`): one stream of typed events,
 * a tagged union on `type`. Each event carries the job's progress at that moment, so that a
 * progress bar needs nothing else; the CLI's status line draws the same events.
 */
import type { InvocationReason } from '../core/dispatch-types.js';

/** The job's progress: inputs done of the total, functions running, retries and copies so far. */
export interface JobProgress {
  /** Inputs of the job (a resumed job counts those finished earlier too). */
  total: number;
  /** Inputs with a result line (prediction or error). */
  done: number;
  /** Of them, inputs with a prediction. */
  ok: number;
  /** Of them, inputs with an error. */
  errors: number;
  /** Milliseconds since this run of the job started. */
  elapsedMs: number;
  /** Function invocations running now (submitted, at most the backend's `maxConcurrency`; those queued behind it are not counted). */
  running: number;
  /** Retries and speculative copies among the attempts of the finished splits. */
  retries: number;
  copies: number;
}

/** The job's inputs, model and output folder were checked, and its plan is about to run. */
export interface JobStartedEvent {
  type: 'job-started';
  jobId: string;
  /** Function invocations the plan starts (retries and copies come on top). */
  plannedInvocations: number;
  /** Splits this run runs (a resumed job leaves out those finished earlier). */
  splits: number;
  progress: JobProgress;
}

/** A function invocation was submitted to the backend. */
export interface InvocationStartedEvent {
  type: 'invocation-started';
  workerId: string;
  /**
   * Why it was started: `planned` (the plan's invocations), `retry` (static: a failed
   * invocation's split, tried again), `copy` (dynamic: to run speculative copies of stragglers),
   * `starved` (dynamic: splits went back to the queue and no worker was left to take them),
   * `replacement` (dynamic: every invocation ended with splits still to do). A dynamic job's
   * retried splits are pulled by running workers, or by `starved` and `replacement` ones.
   */
  reason: InvocationReason;
  /** The splits it was given (static mode); empty in dynamic mode, where it pulls them. */
  splitIds: string[];
  progress: JobProgress;
}

/** A function invocation ended, well or not. */
export interface InvocationEndedEvent {
  type: 'invocation-ended';
  workerId: string;
  /** Why it was started, as its `invocation-started` event said. */
  reason: InvocationReason;
  /** 0 for a split's first attempt, 1 for its first retry, ... */
  attempt: number;
  ok: boolean;
  /** Why it failed (absent when `ok`). */
  error?: string;
  /** Stopped by the job manager once every split was done: not a failure. */
  stopped: boolean;
  cold: boolean;
  durationMs: number;
  progress: JobProgress;
}

/** A split's results were written: every one of its inputs has its line. */
export interface SplitDoneEvent {
  type: 'split-done';
  splitId: string;
  inputs: number;
  ok: number;
  errors: number;
  /** Why its inputs carry errors (its attempts failed); null when it succeeded. */
  error: string | null;
  /** Worker of the attempt whose results were kept; null when none succeeded. */
  workerId: string | null;
  progress: JobProgress;
}

/**
 * Something failed: an invocation (`fatal: false`: its splits are retried, or their inputs get
 * error lines), or the job itself (`fatal: true`: a failure no retry can fix stops the job, and
 * every input without a result gets an error line).
 */
export interface JobErrorEvent {
  type: 'error';
  message: string;
  fatal: boolean;
  /** The invocation's worker, for an invocation's failure. */
  workerId?: string;
  /** Whether trying again may help (an invocation's failure). */
  retryable?: boolean;
  progress: JobProgress;
}

/**
 * Something the user should know before the job runs on, which does not stop it: a dispatcher
 * certificate that expires within a day of the start.
 */
export interface JobWarningEvent {
  type: 'warning';
  message: string;
  progress: JobProgress;
}

/** How a job ended: every input has a line in each case. */
export type JobStatus = 'completed' | 'cancelled' | 'failed';

/** The job ended: every input has its line (`progress.done === progress.total`). */
export interface JobEndedEvent {
  type: 'job-ended';
  status: JobStatus;
  progress: JobProgress;
}

/** Every event of a running job, tagged by `type`. */
export type JobEvent =
  | JobStartedEvent
  | InvocationStartedEvent
  | InvocationEndedEvent
  | SplitDoneEvent
  | JobErrorEvent
  | JobWarningEvent
  | JobEndedEvent;

type WithoutProgress<E> = E extends unknown ? Omit<E, 'progress'> : never;

/** An event before the job's progress is attached to it. */
export type JobEventBody = WithoutProgress<JobEvent>;

/** Receives a running job's events. */
export type JobEventListener = (event: JobEvent) => void;
