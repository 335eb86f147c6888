/**
 * What the split state machine of dynamic batching keeps of one job, and what it says of it
 * (pure: no I/O): the splits with their attempts, the pending queue, the workers heard from and
 * the counts, with the read-only views the dispatcher, the speculation policy and the records
 * use, and the bookkeeping every transition shares. The transitions themselves (assign,
 * complete, a worker failed...) are {@link SplitState}'s, in `split-state.ts`.
 */
import type { Split } from './splitting.js';
import { reopenedRound } from './input-retry.js';
import { PendingQueue } from './split-queue.js';
import {
  entryProblems,
  type RunningAttempt,
  type SplitEntry,
  splitRecord,
  type WorkerEntry,
} from './split-records.js';
import type {
  AttemptKind,
  AttemptRef,
  CompletedSplit,
  IdleWorkerPolicy,
  SplitAttempt,
  SplitProgress,
  SplitRecordView,
  SplitStateOptions,
  WorkerView,
} from './split-types.js';

/** How many times a failed split is tried again when the options do not say. */
export const DEFAULT_MAX_SPLIT_RETRIES = 1;

/** The splits, attempts and workers of one dynamic job, and the views of them (see the module comment). */
export abstract class SplitBook {
  readonly maxSplitRetries: number;
  readonly idleWorkers: IdleWorkerPolicy;
  readonly stopOutpacedWorkers: boolean;
  readonly inputRetryBackoffMs: number | undefined;
  protected readonly splits = new Map<string, SplitEntry>();
  protected readonly order: string[] = [];
  protected readonly queue = new PendingQueue();
  protected readonly workers = new Map<string, WorkerEntry>();
  /** Splits whose inputs wait out a back-off before they are tried again, with when it ends. */
  protected readonly backingOff = new Map<string, number>();
  protected readonly running = new Set<RunningAttempt>();
  protected runningSplits = 0;
  protected doneSplits = 0;
  protected failedSplits = 0;
  protected doneInputs = 0;
  protected readonly totalInputs: number;
  protected readonly wonDurationsMs: number[] = [];
  protected readonly attemptsByKind: Record<AttemptKind, number> = { first: 0, retry: 0, copy: 0 };
  /** Inputs sent to a retry round after a passing error, summed over the rounds. */
  protected inputsRetried = 0;

  constructor(splits: readonly Split[], options: SplitStateOptions = {}) {
    this.maxSplitRetries = options.maxSplitRetries ?? DEFAULT_MAX_SPLIT_RETRIES;
    if (!Number.isInteger(this.maxSplitRetries) || this.maxSplitRetries < 0) {
      throw new RangeError(`maxSplitRetries must be an integer >= 0, got ${this.maxSplitRetries}`);
    }
    this.idleWorkers = options.idleWorkers ?? 'stop';
    this.stopOutpacedWorkers = options.stopOutpacedWorkers ?? false;
    this.inputRetryBackoffMs = options.inputRetryBackoffMs;
    let inputs = 0;
    const reopened = new Map((options.reopened ?? []).map((r) => [r.splitId, r]));
    for (const split of splits) {
      if (this.splits.has(split.splitId)) throw new RangeError(`duplicate split id ${split.splitId}`);
      const entry: SplitEntry = {
        split,
        attempts: [],
        running: 0,
        queued: 1,
        failures: 0,
        copies: 0,
        done: null,
        round: null,
        retryDueAt: null,
      };
      const reopen = reopened.get(split.splitId);
      if (reopen) entry.round = reopenedRound(reopen);
      this.splits.set(split.splitId, entry);
      this.order.push(split.splitId);
      this.queue.pushBack(split.splitId);
      inputs += split.keys.length;
    }
    this.totalInputs = inputs;
  }

  /** When the longest-silent watched worker (active or waiting) was last heard from; null when none. */
  oldestWatchedHeardAt(): number | null {
    let oldest: number | null = null;
    for (const worker of this.workers.values()) {
      if (worker.status !== 'active' && worker.status !== 'waiting') continue;
      if (oldest === null || worker.lastHeardAt < oldest) oldest = worker.lastHeardAt;
    }
    return oldest;
  }

  /** Splits waiting out a back-off before their inputs are tried again. */
  backingOffCount(): number {
    return this.backingOff.size;
  }

  /** When the first back-off ends, or null when no split waits. */
  nextRetryDueAt(): number | null {
    let next: number | null = null;
    for (const at of this.backingOff.values()) if (next === null || at < next) next = at;
    return next;
  }

  /** Queues the retries whose back-off has ended (at the front, as other retries); their split ids. */
  releaseDueRetries(now: number): string[] {
    const released: string[] = [];
    for (const [splitId, at] of this.backingOff) {
      if (at > now) continue;
      this.backingOff.delete(splitId);
      const entry = this.entry(splitId);
      entry.retryDueAt = null;
      if (entry.done) continue;
      entry.queued++;
      this.queue.pushFront(splitId, 'retry');
      released.push(splitId);
    }
    return released;
  }

  /** Whether a worker holds a running attempt. */
  isHolding(workerId: string): boolean {
    return (this.workers.get(workerId)?.running.length ?? 0) > 0;
  }

  /** Whether a worker was ever heard from (pulled, returned or heartbeat). */
  knows(workerId: string): boolean {
    return this.workers.has(workerId);
  }

  /** Splits a worker's attempts won so far (0 for a worker never heard from). */
  splitsWonBy(workerId: string): number {
    return this.workers.get(workerId)?.splitsWon ?? 0;
  }

  isFinished(): boolean {
    return this.doneSplits === this.order.length;
  }

  progress(): SplitProgress {
    return {
      totalSplits: this.order.length,
      doneSplits: this.doneSplits,
      failedSplits: this.failedSplits,
      runningSplits: this.runningSplits,
      runningAttempts: this.running.size,
      queued: this.queue.size,
      totalInputs: this.totalInputs,
      doneInputs: this.doneInputs,
    };
  }

  /** Attempts running now, oldest first. */
  runningAttempts(): Array<AttemptRef & { startedAt: number; kind: AttemptKind }> {
    return [...this.running]
      .map((a) => ({
        splitId: a.splitId,
        attempt: a.attempt,
        workerId: a.workerId,
        startedAt: a.startedAt,
        kind: a.kind,
      }))
      .sort((x, y) => x.startedAt - y.startedAt);
  }

  /** Attempts started so far, by kind. */
  attemptCounts(): Readonly<Record<AttemptKind, number>> {
    return this.attemptsByKind;
  }

  /** Inputs run again after a passing error, summed over the retry rounds. */
  get inputRetries(): number {
    return this.inputsRetried;
  }

  /** Durations of the winning attempts so far, in completion order. */
  wonDurations(): readonly number[] {
    return this.wonDurationsMs;
  }

  /** Copies made so far of a split, and whether one is queued. */
  copyState(splitId: string): { copies: number; queued: boolean } {
    const entry = this.entry(splitId);
    return { copies: entry.copies, queued: entry.queued > 0 };
  }

  /** Workers waiting for a split (only with `idleWorkers: 'wait'`). */
  waitingWorkers(): string[] {
    return [...this.workers.values()].filter((w) => w.status === 'waiting').map((w) => w.workerId);
  }

  worker(workerId: string): WorkerView | undefined {
    const w = this.workers.get(workerId);
    if (!w) return undefined;
    const running = w.running.map((a) => ({ splitId: a.splitId, attempt: a.attempt, workerId }));
    return { workerId, lastHeardAt: w.lastHeardAt, status: w.status, running, splitsWon: w.splitsWon };
  }

  result(splitId: string): CompletedSplit | null {
    return this.entry(splitId).done;
  }

  /** One split's state and attempts (a copy of the internal record). */
  record(splitId: string): SplitRecordView {
    return splitRecord(this.entry(splitId));
  }

  /** Every split's state and attempts, in split order (copies of the internal records). */
  records(): SplitRecordView[] {
    return this.order.map((splitId) => splitRecord(this.entry(splitId)));
  }

  /** Broken invariants (empty when sound): every split is done or has a queued/running attempt, every input one result. */
  checkInvariants(): string[] {
    const problems = this.order.flatMap((splitId) => entryProblems(this.entry(splitId)));
    if (this.queue.size !== [...this.splits.values()].reduce((n, e) => n + e.queued, 0)) {
      problems.push('queue size mismatch');
    }
    return problems;
  }

  protected finish(entry: SplitEntry, done: CompletedSplit): CompletedSplit {
    entry.done = done;
    this.doneSplits++;
    this.doneInputs += entry.split.keys.length;
    if (done.error !== null) this.failedSplits++;
    return done;
  }

  protected dropQueued(entry: SplitEntry): void {
    if (entry.queued === 0) return;
    this.queue.removeAll(entry.split.splitId);
    entry.queued = 0;
  }

  protected startRunning(entry: SplitEntry, attempt: RunningAttempt, worker: WorkerEntry): void {
    if (entry.running === 0) this.runningSplits++;
    entry.running++;
    this.running.add(attempt);
    worker.running.push(attempt);
  }

  /** Detaches an attempt from the running sets (whatever its outcome becomes). */
  protected stopRunning(entry: SplitEntry, attempt: SplitAttempt, worker: WorkerEntry): void {
    const a = attempt as RunningAttempt;
    const held = worker.running.indexOf(a);
    if (held >= 0) worker.running.splice(held, 1);
    if (!this.running.delete(a)) return;
    entry.running--;
    if (entry.running === 0) this.runningSplits--;
  }

  protected findAttempt(entry: SplitEntry, workerId: string, attempt?: number): SplitAttempt | undefined {
    if (attempt !== undefined) {
      const a = entry.attempts[attempt];
      return a && a.workerId === workerId ? a : undefined;
    }
    for (let i = entry.attempts.length - 1; i >= 0; i--) {
      const a = entry.attempts[i];
      if (a && a.workerId === workerId) return a;
    }
    return undefined;
  }

  protected isRunningOn(splitId: string, worker: WorkerEntry): boolean {
    for (const a of worker.running) if (a.splitId === splitId) return true;
    return false;
  }

  protected hear(workerId: string, now: number): WorkerEntry {
    let worker = this.workers.get(workerId);
    if (!worker) {
      worker = { workerId, lastHeardAt: now, status: 'active', running: [], splitsWon: 0 };
      this.workers.set(workerId, worker);
    }
    worker.lastHeardAt = Math.max(worker.lastHeardAt, now);
    if (worker.status === 'failed' || worker.status === 'silent') worker.status = 'active';
    return worker;
  }

  protected entry(splitId: string): SplitEntry {
    const e = this.splits.get(splitId);
    if (!e) throw new RangeError(`unknown split ${splitId}`);
    return e;
  }
}
