/**
 * Speculative re-execution (pure), as in the reference: once more than `quantile` of the splits
 * are done, every `intervalMs` the caller asks which running splits to copy. A split whose
 * latest attempt has run for more than `multiplier` x the median duration of the done splits
 * gets a copy at the front of the queue, up to `maxSplitRetries` copies per split; whichever
 * attempt finishes first wins.
 *
 * "Not heard from" means "no result": heartbeats prove a worker is alive, not that it is making
 * progress, so the age of the running attempt is what counts.
 */
import type { AttemptRef, SplitState } from './split-state.js';
import { median } from './median.js';

/** The speculation settings of a job. */
export interface SpeculationPolicy {
  /** Speculation starts once done/total exceeds this (default 0.75). */
  quantile: number;
  /** Copy an attempt running longer than this many times the median (default 2). */
  multiplier: number;
  /** Copies allowed per split (default: the job's `maxSplitRetries`). */
  maxSplitRetries: number;
  /**
   * Extra workers the job may invoke over its life to run copies when no worker is waiting for
   * one (the reference invokes one for the first copy; 0 never invokes any).
   */
  maxExtraWorkers: number;
}

/** The reference's numbers. */
export const DEFAULT_SPECULATION_QUANTILE = 0.75;
export const DEFAULT_SPECULATION_MULTIPLIER = 2;
export const DEFAULT_SPECULATION_INTERVAL_MS = 500;
export const DEFAULT_SPECULATION_EXTRA_WORKERS = 1;

/** One copy to make. */
export interface CopyDecision extends AttemptRef {
  /** How long the straggling attempt has run. */
  runningForMs: number;
  /** 1 for the split's first copy, 2 for its second... */
  copyNumber: number;
}

/** What speculation decided at one instant. */
export interface SpeculationDecision {
  /** Whether the quantile gate is open (and there is a median to compare with). */
  active: boolean;
  medianMs: number | null;
  /** `multiplier` x median, when active. */
  thresholdMs: number | null;
  copies: CopyDecision[];
  /** Workers to invoke now for the new copies. */
  extraWorkers: number;
}

/** The parts of the split state speculation reads. */
export type SpeculationView = Pick<
  SplitState,
  | 'progress'
  | 'runningAttempts'
  | 'wonDurations'
  | 'copyState'
  | 'waitingWorkers'
  | 'maxSplitRetries'
  | 'isFinished'
>;

/** Fills in the reference's defaults; `maxSplitRetries` comes from the job. */
export function speculationPolicy(
  maxSplitRetries: number,
  partial: Partial<SpeculationPolicy> = {},
): SpeculationPolicy {
  return {
    quantile: partial.quantile ?? DEFAULT_SPECULATION_QUANTILE,
    multiplier: partial.multiplier ?? DEFAULT_SPECULATION_MULTIPLIER,
    maxSplitRetries: partial.maxSplitRetries ?? maxSplitRetries,
    maxExtraWorkers: partial.maxExtraWorkers ?? DEFAULT_SPECULATION_EXTRA_WORKERS,
  };
}

/**
 * Whether speculation may copy anything: more than `quantile` of the splits are done and one
 * has won (so there is a median). It changes only when a split finishes.
 */
export function speculationGateOpen(
  state: Pick<SpeculationView, 'progress' | 'wonDurations'>,
  policy: Pick<SpeculationPolicy, 'quantile'>,
): boolean {
  const progress = state.progress();
  if (progress.totalSplits === 0 || progress.doneSplits / progress.totalSplits <= policy.quantile)
    return false;
  return state.wonDurations().length > 0;
}

/**
 * Which running splits to copy now. Pure: the caller applies the copies with
 * `state.addCopy(splitId)` and invokes `extraWorkers` workers.
 *
 * @param extraWorkersSoFar extra workers already invoked for copies in this job
 */
export function speculationDecisions(
  state: SpeculationView,
  now: number,
  policy: SpeculationPolicy,
  extraWorkersSoFar = 0,
): SpeculationDecision {
  const inactive: SpeculationDecision = {
    active: false,
    medianMs: null,
    thresholdMs: null,
    copies: [],
    extraWorkers: 0,
  };
  if (!speculationGateOpen(state, policy)) return inactive;
  const medianMs = median(state.wonDurations()) as number;
  const thresholdMs = policy.multiplier * medianMs;
  const maxCopies = Math.min(policy.maxSplitRetries, state.maxSplitRetries);

  // The latest attempt of each running split: a copy that is itself slow may be copied again.
  const latest = new Map<string, AttemptRef & { startedAt: number }>();
  for (const attempt of state.runningAttempts()) {
    const seen = latest.get(attempt.splitId);
    if (!seen || attempt.startedAt >= seen.startedAt) latest.set(attempt.splitId, attempt);
  }
  const copies: CopyDecision[] = [];
  for (const attempt of latest.values()) {
    const runningForMs = now - attempt.startedAt;
    if (runningForMs <= thresholdMs) continue;
    const { copies: made, queued } = state.copyState(attempt.splitId);
    if (queued || made >= maxCopies) continue;
    copies.push({
      splitId: attempt.splitId,
      attempt: attempt.attempt,
      workerId: attempt.workerId,
      runningForMs,
      copyNumber: made + 1,
    });
  }
  const firstCopies = copies.filter((c) => c.copyNumber === 1).length;
  const idle = state.waitingWorkers().length;
  const allowed = Math.max(0, policy.maxExtraWorkers - extraWorkersSoFar);
  const extraWorkers = Math.min(allowed, Math.max(0, firstCopies - idle));
  return { active: true, medianMs, thresholdMs, copies, extraWorkers };
}

/**
 * Speculation over a job's life (pure): every `intervalMs` once the gate is open, copies the
 * stragglers' splits and counts the extra workers invoked for them. The interval starts at the
 * first check with the gate open, so checks while it is closed change nothing.
 */
export class Speculator {
  private lastCheckAt = -Infinity;
  private extraWorkers = 0;

  constructor(private readonly settings: SpeculationPolicy & { intervalMs: number }) {}

  /** The copies and extra workers due at `now` (applied by the caller), or null when none is due. */
  check(state: SpeculationView, now: number): SpeculationDecision | null {
    if (state.isFinished() || now - this.lastCheckAt < this.settings.intervalMs) return null;
    const decision = speculationDecisions(state, now, this.settings, this.extraWorkers);
    if (!decision.active) return null;
    this.lastCheckAt = now;
    this.extraWorkers += decision.extraWorkers;
    return decision;
  }

  /** When a check could copy something, or null while the gate is closed (a split must finish first). */
  nextCheckAt(state: SpeculationView): number | null {
    if (state.isFinished() || !speculationGateOpen(state, this.settings)) return null;
    return this.lastCheckAt + this.settings.intervalMs;
  }
}
