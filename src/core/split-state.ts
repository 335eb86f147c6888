/**
 * The split state machine of dynamic batching (pure: no I/O; time is passed in as epoch ms).
 *
 * Splits are `pending` (a FIFO queue; retries and speculative copies jump to its front),
 * `running` (one or more attempts, each on one worker) or `done` (exactly one result per
 * input). A failed or silent worker's running split goes back to the front of the queue up to
 * `maxSplitRetries` times; after that its inputs get error entries. The first attempt to
 * return valid results wins; any later result for the same split is dropped as a duplicate,
 * so every input ends with exactly one result. A result whose inputs carry passing errors is
 * held, and those inputs alone are tried again after a back-off (`input-retry.ts`).
 *
 * When nothing is pending, `assign` answers `stop` (as the reference does, so that idle
 * functions stop billing) or, with `idleWorkers: 'wait'`, `wait` while splits still run, so
 * that warm workers stay to pick up retries and speculative copies. In `stop` mode those are
 * picked up by the workers still running and by extra workers the caller invokes.
 */
import {
  failedRoundResults,
  finalResults,
  inputRetryBackoffMs,
  mergeRound,
  roundKeys,
} from './input-retry.js';
import type { InputResult } from './prediction.js';
import { SplitBook } from './split-book.js';
import { validateResults } from './split-queue.js';
import { failureMessage, type RunningAttempt, type SplitEntry } from './split-records.js';
import type {
  Assignment,
  AttemptOutcome,
  AttemptRef,
  CompleteOutcome,
  FailureEffects,
  SplitAttempt,
} from './split-types.js';

export type * from './split-types.js';
export { DEFAULT_MAX_SPLIT_RETRIES } from './split-book.js';

/** The `superseded` of an accepted result that superseded nothing (shared: never written to). */
const NONE_SUPERSEDED: AttemptRef[] = [];

/** The dispatcher's bookkeeping of one dynamic job: the transitions of its splits' state machine. */
export class SplitState extends SplitBook {
  /**
   * The next split for `workerId`; `stop` once nothing is pending (see the module comment). A
   * worker may hold several splits (it asked for more than one at a time).
   */
  assign(workerId: string, now: number): Assignment {
    const worker = this.hear(workerId, now);
    const next =
      this.stopOutpacedWorkers && worker.outpaced
        ? null
        : worker.running.length === 0
          ? this.queue.take(null)
          : this.queue.take((splitId) => !this.isRunningOn(splitId, worker));
    if (next === null) {
      const stop = this.isFinished() || this.idleWorkers === 'stop';
      // A worker still holding splits stays active (and watched for silence) until it returns them.
      if (worker.running.length > 0) worker.status = 'active';
      else worker.status = stop ? 'stopped' : 'waiting';
      return stop ? { type: 'stop' } : { type: 'wait' };
    }
    const entry = this.entry(next.splitId);
    entry.queued--;
    const attempt: RunningAttempt = {
      splitId: next.splitId,
      attempt: entry.attempts.length,
      label: entry.attempts.length === 0 ? next.splitId : `${next.splitId}_${entry.attempts.length}`,
      kind: next.kind,
      workerId,
      startedAt: now,
      endedAt: null,
      outcome: 'running',
    };
    entry.attempts.push(attempt);
    this.attemptsByKind[next.kind]++;
    this.startRunning(entry, attempt, worker);
    worker.status = 'active';
    return {
      type: 'split',
      splitId: next.splitId,
      attempt: attempt.attempt,
      kind: next.kind,
      keys: roundKeys(entry.split.keys, entry.round),
    };
  }

  /**
   * A worker's results for a split. The first valid result wins; results for a split already
   * done are dropped (`duplicate`); results that do not match the split's inputs count as a
   * failed attempt (`rejected`). A result from a worker given up as failed or silent is still
   * accepted when its split is not done yet.
   */
  complete(
    workerId: string,
    splitId: string,
    results: readonly InputResult[],
    now: number,
    attempt?: number,
  ): CompleteOutcome {
    const noEffects: FailureEffects = { requeued: [], failed: [] };
    const entry = this.splits.get(splitId);
    if (!entry) return { type: 'rejected', reason: `unknown split ${splitId}`, effects: noEffects };
    const worker = this.hear(workerId, now);
    const found = this.findAttempt(entry, workerId, attempt);
    if (!found) {
      return {
        type: 'rejected',
        reason: `worker ${workerId} was not assigned split ${splitId}`,
        effects: noEffects,
      };
    }
    const wasRunning = found.outcome === 'running' || found.outcome === 'superseded';
    this.stopRunning(entry, found, worker);
    const earlierRound = entry.round !== null && found.attempt < entry.round.firstAttempt;
    if (entry.done || earlierRound) {
      if (wasRunning) {
        found.outcome = 'lost';
        found.endedAt = now;
      } else {
        found.reason = `${found.reason ?? found.outcome}; its result arrived after the split was done and was dropped`;
      }
      return {
        type: 'duplicate',
        reason: entry.done
          ? `split ${splitId} is already done (attempt ${entry.done.winner ?? 'none'} won)`
          : `split ${splitId} already has this attempt's inputs from a later one`,
      };
    }
    const checked = validateResults(roundKeys(entry.split.keys, entry.round), results);
    if (!checked.ok) {
      const reason = `worker ${workerId} returned invalid results for split ${splitId}: ${checked.problem}`;
      if (!wasRunning) return { type: 'rejected', reason, effects: noEffects };
      return { type: 'rejected', reason, effects: this.failAttempt(entry, found, now, 'invalid', reason) };
    }
    if (!wasRunning)
      found.reason = `result arrived after the attempt was given up (${found.outcome}: ${found.reason ?? ''})`;
    found.outcome = 'won';
    found.endedAt = now;
    worker.splitsWon++;
    this.wonDurationsMs.push(now - found.startedAt);
    let superseded: AttemptRef[] = NONE_SUPERSEDED;
    for (const other of entry.attempts) {
      if (other.outcome !== 'running') continue;
      other.outcome = 'superseded';
      const otherWorker = this.workers.get(other.workerId);
      if (otherWorker) {
        this.stopRunning(entry, other as RunningAttempt, otherWorker);
        if (other.startedAt < found.startedAt) otherWorker.outpaced = true;
      }
      if (superseded === NONE_SUPERSEDED) superseded = [];
      superseded.push({ splitId, attempt: other.attempt, workerId: other.workerId });
    }
    this.dropQueued(entry);
    const merged = mergeRound(entry.split.keys.length, entry.round, checked.results);
    const retries = entry.round?.retries ?? 0;
    if (merged.passing.length > 0 && this.triesAgain(entry) < this.maxSplitRetries) {
      const dueAt = now + inputRetryBackoffMs(retries + 1, this.inputRetryBackoffMs);
      found.reason = `${merged.passing.length} of its inputs failed for a passing reason and are tried again`;
      entry.round = {
        open: merged.passing,
        held: merged.results,
        firstAttempt: entry.attempts.length,
        retries: retries + 1,
      };
      entry.retryDueAt = dueAt;
      this.backingOff.set(splitId, dueAt);
      this.inputsRetried += merged.passing.length;
      return { type: 'retrying', splitId, inputs: merged.passing.length, dueAt, superseded };
    }
    const split = this.finish(entry, {
      splitId,
      results: finalResults(merged.results, merged.passing, retries + 1),
      endedAt: now,
      winner: found.attempt,
      error: null,
    });
    return { type: 'accepted', split, superseded };
  }

  /** Notes that a worker is alive. */
  heartbeat(workerId: string, now: number): void {
    const worker = this.workers.get(workerId);
    if (worker) worker.lastHeardAt = Math.max(worker.lastHeardAt, now);
    else this.hear(workerId, now);
  }

  /**
   * A worker failed (its invocation errored, its process exited, its connection closed) or went
   * silent: its running attempts end with `outcome` and their splits are retried or failed.
   */
  workerFailed(
    workerId: string,
    now: number,
    reason: string,
    outcome: 'failed' | 'silent' = 'failed',
  ): FailureEffects {
    const effects: FailureEffects = { requeued: [], failed: [] };
    const worker = this.workers.get(workerId);
    if (!worker) return effects;
    worker.status = outcome;
    for (const attempt of worker.running.slice()) {
      const entry = this.entry(attempt.splitId);
      this.stopRunning(entry, attempt, worker);
      const more = this.failAttempt(entry, attempt, now, outcome, `worker ${workerId}: ${reason}`);
      effects.requeued.push(...more.requeued);
      effects.failed.push(...more.failed);
    }
    return effects;
  }

  /**
   * Frees what is kept of a worker whose invocation has ended, once it holds no attempt (the
   * attempts' records keep its id). A later message from it counts as a new worker's.
   */
  forgetWorker(workerId: string): void {
    const worker = this.workers.get(workerId);
    if (worker && worker.running.length === 0) this.workers.delete(workerId);
  }

  /** Gives up workers not heard from for more than `timeoutMs` (not those told to stop). */
  expireSilentWorkers(
    now: number,
    timeoutMs: number,
  ): Array<{ workerId: string; silentForMs: number; effects: FailureEffects }> {
    const expired: Array<{ workerId: string; silentForMs: number; effects: FailureEffects }> = [];
    for (const worker of this.workers.values()) {
      if (worker.status !== 'active' && worker.status !== 'waiting') continue;
      const silentForMs = now - worker.lastHeardAt;
      if (silentForMs <= timeoutMs) continue;
      const reason = `no heartbeat for ${(silentForMs / 1000).toFixed(1)} s`;
      expired.push({
        workerId: worker.workerId,
        silentForMs,
        effects: this.workerFailed(worker.workerId, now, reason, 'silent'),
      });
    }
    return expired;
  }

  /**
   * Queues a speculative copy of a running split at the front. Refused (false) when the split is
   * done, not running, already has a queued entry, or has used its `maxSplitRetries` copies.
   */
  addCopy(splitId: string): boolean {
    const entry = this.splits.get(splitId);
    if (!entry || entry.done || entry.running === 0 || entry.queued > 0) return false;
    if (entry.copies >= this.maxSplitRetries) return false;
    entry.copies++;
    entry.queued++;
    this.queue.pushFront(splitId, 'copy');
    return true;
  }

  /**
   * How often the split has been tried again so far: after failed attempts and for passing input
   * errors, one budget of `maxSplitRetries` (a function that fails every retry round of its
   * inputs cannot double it).
   */
  private triesAgain(entry: SplitEntry): number {
    return entry.failures + (entry.round?.retries ?? 0);
  }

  private failAttempt(
    entry: SplitEntry,
    attempt: SplitAttempt,
    now: number,
    outcome: AttemptOutcome,
    reason: string,
  ): FailureEffects {
    attempt.outcome = outcome;
    attempt.endedAt = now;
    attempt.reason = reason;
    // An attempt of an earlier round: its inputs were taken from another attempt already.
    if (entry.round !== null && attempt.attempt < entry.round.firstAttempt)
      return { requeued: [], failed: [] };
    entry.failures++;
    const splitId = entry.split.splitId;
    if (entry.done || entry.running > 0 || entry.queued > 0 || entry.retryDueAt !== null)
      return { requeued: [], failed: [] };
    if (this.triesAgain(entry) <= this.maxSplitRetries) {
      entry.queued++;
      this.queue.pushFront(splitId, 'retry');
      return { requeued: [splitId], failed: [] };
    }
    const error = failureMessage(entry);
    const results = failedRoundResults(entry.split.keys, entry.round, error);
    return {
      requeued: [],
      failed: [this.finish(entry, { splitId, results, endedAt: now, winner: null, error })],
    };
  }
}
