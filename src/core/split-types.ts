/** The data types of the split state machine (pure), shared by the dispatcher and the job record. */
import type { ReopenedSplit } from './input-retry.js';
import type { InputResult } from './prediction.js';

/** Why an attempt of a split was started. */
export type AttemptKind = 'first' | 'retry' | 'copy';

/**
 * How an attempt ended. `superseded`: another attempt won while this one still ran; `lost`:
 * its result arrived after another attempt won and was dropped; `silent`: its worker missed
 * heartbeats; `invalid`: its worker returned results that do not match the split's inputs.
 */
export type AttemptOutcome = 'running' | 'won' | 'lost' | 'superseded' | 'failed' | 'silent' | 'invalid';

/** One try at a split, as recorded in the job record. */
export interface SplitAttempt {
  /** 0 for the first attempt, then 1, 2, ... in the order they started. */
  attempt: number;
  /** `7` for attempt 0 of split 7, `7_1` for attempt 1 (the reference's copy ids). */
  label: string;
  kind: AttemptKind;
  workerId: string;
  startedAt: number;
  endedAt: number | null;
  outcome: AttemptOutcome;
  /** Why it failed, or a note such as a result that arrived after its worker was given up. */
  reason?: string;
}

/** A split with its final results. */
export interface CompletedSplit {
  splitId: string;
  /** One entry per input, in the split's key order. */
  results: readonly InputResult[];
  endedAt: number;
  /** The attempt whose results these are; null when every attempt failed. */
  winner: number | null;
  /** Why the split failed (also written into each input's error); null on success. */
  error: string | null;
}

/** What a worker should do next. */
export type Assignment =
  | { type: 'split'; splitId: string; attempt: number; kind: AttemptKind; keys: readonly string[] }
  | { type: 'wait' }
  | { type: 'stop' };

/** A running attempt, identified for the worker that runs it. */
export interface AttemptRef {
  splitId: string;
  attempt: number;
  workerId: string;
}

/** What a failure changed: splits queued again, and splits that ran out of retries. */
export interface FailureEffects {
  requeued: string[];
  failed: CompletedSplit[];
}

/** The answer to a result. */
export type CompleteOutcome =
  | { type: 'accepted'; split: CompletedSplit; superseded: AttemptRef[] }
  | { type: 'duplicate'; reason: string }
  /**
   * Taken, but some inputs failed for a passing reason: they are tried again once the back-off
   * ends at `dueAt` (the split is not done yet).
   */
  | { type: 'retrying'; splitId: string; inputs: number; dueAt: number; superseded: AttemptRef[] }
  | { type: 'rejected'; reason: string; effects: FailureEffects };

/** What `assign` does when nothing is pending but splits still run. */
export type IdleWorkerPolicy = 'stop' | 'wait';

export interface SplitStateOptions {
  /** Extra attempts after a failure, and speculative copies, allowed per split (default 1). */
  maxSplitRetries?: number;
  /**
   * Milliseconds before the inputs that failed for a passing reason are tried again, doubling
   * each round (default `INPUT_RETRY_BACKOFF_MS`).
   */
  inputRetryBackoffMs?: number;
  /** Splits that start with only some inputs open, the others held (see `input-retry.ts`). */
  reopened?: readonly ReopenedSplit[];
  /** Default `stop`, as the reference. */
  idleWorkers?: IdleWorkerPolicy;
  /**
   * Give no more splits to a worker outpaced by a speculative copy (an attempt that started
   * after its own finished first): it is a straggler, and a split it took near the end of the
   * job would need a copy too. Default false.
   */
  stopOutpacedWorkers?: boolean;
}

/** Counts for progress bars and logs. */
export interface SplitProgress {
  totalSplits: number;
  doneSplits: number;
  /** Done splits whose inputs carry errors because every attempt failed. */
  failedSplits: number;
  /** Splits with at least one running attempt. */
  runningSplits: number;
  runningAttempts: number;
  /** Entries waiting in the queue (first attempts, retries and copies). */
  queued: number;
  totalInputs: number;
  doneInputs: number;
}

/** A worker as the dispatcher knows it. */
export interface WorkerView {
  workerId: string;
  lastHeardAt: number;
  status: 'active' | 'waiting' | 'stopped' | 'failed' | 'silent';
  running: AttemptRef[];
  splitsWon: number;
}

/** A split's state and history, for the job record. */
export interface SplitRecordView {
  splitId: string;
  inputs: number;
  status: 'pending' | 'running' | 'done';
  failed: boolean;
  winner: number | null;
  attempts: SplitAttempt[];
}
