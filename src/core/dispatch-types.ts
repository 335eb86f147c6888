/** The events, decisions and settings of the dispatch core (pure data; see `dispatch-core.ts`). */
import type { DispatchMode } from './dispatch-plan.js';
import type { WorkerFaults } from './faults.js';
import type { ReopenedSplit } from './input-retry.js';
import type { InputResult } from './prediction.js';
import type { CopyDecision, SpeculationPolicy } from './speculation.js';
import type { AttemptKind, AttemptRef, CompletedSplit, IdleWorkerPolicy } from './split-types.js';

/**
 * Why a worker was invoked: `planned` at the start (static: one per split; dynamic: the planned
 * workers), `retry` for a static split tried again by a new invocation after its invocation
 * failed (or for its inputs whose read failed for a passing reason), `copy` to run speculative copies of stragglers (dynamic), `starved` when splits went
 * back to the queue and no worker is left to take them (dynamic), `replacement` when every
 * invocation ended with splits still to do (dynamic).
 */
export const INVOCATION_REASONS = ['planned', 'retry', 'copy', 'starved', 'replacement'] as const;

/** Why a worker was invoked (see {@link INVOCATION_REASONS}). */
export type InvocationReason = (typeof INVOCATION_REASONS)[number];

/** Why the job manager invoked a worker of a dynamic job: every reason but a static `retry`. */
export type DynamicInvocationReason = Exclude<InvocationReason, 'retry'>;

/** A split handed to a worker. */
export interface AssignedSplit {
  splitId: string;
  attempt: number;
  kind: AttemptKind;
  keys: readonly string[];
}

/** A worker to invoke, with the faults it injects into itself (experiments) and, static, its chunk. */
export interface WorkerToInvoke {
  workerId: string;
  faults?: WorkerFaults;
  /** Static mode: the one split this invocation runs. */
  split?: AssignedSplit;
}

/** A worker given up: its invocation failed, its stream closed mid-split, or it went silent. */
export interface WorkerLostEvent {
  workerId: string;
  /** `failed`: its invocation failed or returned holding a split; `disconnected`: its stream closed; `silent`: missed heartbeats. */
  kind: 'failed' | 'disconnected' | 'silent';
  reason: string;
  /** Splits queued again, and splits that ran out of retries (their error results come as `splitDone`). */
  requeued: string[];
  failed: string[];
}

/** What the core decided; drivers carry these out (streams, invocations, result files). */
export type DispatchDecision =
  /** Invoke these workers now. */
  | { type: 'invoke'; reason: InvocationReason; workers: WorkerToInvoke[] }
  /** Answer a pull that was waiting: splits, or none (stop). */
  | { type: 'answer'; workerId: string; splits: AssignedSplit[] }
  /** Tell a worker to give up an attempt (another attempt of its split finished first). */
  | { type: 'cancel'; attempt: AttemptRef; reason: string }
  /** A split is done (results or, after its last failure, errors): write it. */
  | { type: 'splitDone'; split: CompletedSplit; workerId: string | null }
  | { type: 'workerLost'; event: WorkerLostEvent }
  /** A speculative copy was queued. */
  | { type: 'copy'; copy: CopyDecision }
  /** Stop these invocations: every split is done and they have nothing left to do. */
  | { type: 'stopInvocations'; workerIds: string[]; reason: string }
  /** Stop the job: an error no retry can fix, or workers that never finish a split (`gaveUp`). */
  | { type: 'stopJob'; reason: string; gaveUp?: string }
  /** Every split is done. */
  | { type: 'finished' };

/** Results a worker returns for one split (with its next pull, or as its static invocation's result). */
export interface ReturnedSplit {
  splitId: string;
  /** The attempt the results belong to, when the worker knows it. */
  attempt?: number;
  results: readonly InputResult[];
}

/** What the core did with a returned split. */
export interface ReturnedStatus {
  splitId: string;
  status: 'accepted' | 'duplicate' | 'rejected';
  /** Why results were dropped or rejected ('' when accepted). */
  detail: string;
}

/** The answer to a pull: splits to run, stop (no splits, `wait` false), or wait for work to appear. */
export interface PullAnswer {
  statuses: ReturnedStatus[];
  splits: AssignedSplit[];
  /** Parked: the answer comes later as an `answer` decision. */
  wait: boolean;
}

/** How an invocation ended, as its driver saw it. */
export type InvocationEnd =
  | { ok: true; returned?: readonly ReturnedSplit[] }
  | {
      ok: false;
      error: string;
      /** False for an error no retry can fix (a bad payload, an unusable model): the job stops. */
      retryable: boolean;
      /** How long the platform asked to wait before the next invocation (throttling). */
      retryAfterMs?: number;
    };

/** The inputs of the core, as recorded by an observer (to replay a sequence through another driver). */
export type DispatchEvent =
  | { type: 'start'; at: number }
  | { type: 'pull'; at: number; workerId: string; returned: string[]; maxSplits: number }
  | { type: 'heartbeat'; at: number; workerId: string }
  | { type: 'streamClosed'; at: number; workerId: string; reason: string }
  | {
      type: 'invocationEnded';
      at: number;
      workerId: string;
      ok: boolean;
      error?: string;
      retryable?: boolean;
    }
  | { type: 'tick'; at: number }
  | { type: 'stop'; at: number; reason: string };

/** Speculation settings: the policy and how often stragglers are looked for. */
export type SpeculationSettings = SpeculationPolicy & { intervalMs: number };

export interface DispatchCoreOptions {
  mode: DispatchMode;
  /**
   * Dynamic mode: workers invoked at the start (see `plannedInvocations`); they also bound
   * replacements. Absent: nobody is invoked at the start (workers connect by themselves, as to a
   * standalone dispatcher). Static mode invokes one worker per split.
   */
  plannedWorkers?: number;
  /** Prefix of worker ids: `''` gives w0, w1...; `r1.` for a resumed run. */
  workerIdPrefix?: string;
  /**
   * Extra attempts per split: retries after failures, and speculative copies (default 1); also
   * the rounds that try again the inputs that failed for a passing reason.
   */
  maxSplitRetries?: number;
  /** The back-off before such inputs are tried again (doubling each round). */
  inputRetryBackoffMs?: number;
  /** Splits that start with only some inputs open, the others held (`--retry-errors`). */
  reopened?: readonly ReopenedSplit[];
  idleWorkers?: IdleWorkerPolicy;
  /** Give no more splits to a worker outpaced by a speculative copy. */
  stopOutpacedWorkers?: boolean;
  /** A worker not heard from for longer is given up (default 10 s); null: never (simulated functions do not go silent). */
  workerSilentTimeoutMs?: number | null;
  /** Speculative copies of stragglers; null or absent: none. */
  speculation?: SpeculationSettings | null;
  /** The tick grid: ticks come every `tickMs` after `start` (default 250 ms). */
  tickMs?: number;
  /** Once every split is done, how long running workers get to return before they are stopped. */
  finishGraceMs?: number;
  /** The faults a worker injects into itself (experiments), decided when it is invoked. */
  faultsFor?: (workerId: string, attempt: number) => WorkerFaults | undefined;
}

/** Counts of a job's dispatch, for reports. */
export interface DispatchCounts {
  /** Workers invoked, by reason. */
  invoked: Record<InvocationReason, number>;
  /** Invocations that ended with an error (not counting those stopped after the job finished). */
  failedInvocations: number;
  /** Attempts after a failure, and speculative copies. */
  retries: number;
  copies: number;
  /** Inputs run again after a passing error, summed over the retry rounds. */
  inputRetries: number;
}
