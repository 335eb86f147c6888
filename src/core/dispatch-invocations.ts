/**
 * The invocations of one job, for the dispatch core (pure): which workers to invoke and why,
 * their ids and injected faults, what their end means, relaunches after a failure (at once, or
 * after the platform's throttling wait), the give-up rule for invocations that keep failing
 * without finishing a split, and the invocations to stop once every split is done.
 */
import { MIN_FRUITLESS_FAILURES } from './dispatch-defaults.js';
import type { DispatchMode } from './dispatch-plan.js';
import type {
  DispatchCoreOptions,
  DispatchDecision,
  InvocationEnd,
  InvocationReason,
  WorkerLostEvent,
  WorkerToInvoke,
} from './dispatch-types.js';
import type { FailureEffects, SplitState } from './split-state.js';

const RETURNED_HOLDING = 'its invocation returned while it still held a split';

interface LiveInvocation {
  /** Static: the split it runs, and the attempt. */
  splitId: string | null;
  attempt: number;
  stopRequested: boolean;
}

/** What the invocations need from the core around them. */
export interface InvocationsHost {
  emit(decision: DispatchDecision): void;
  /** Gives up the worker's running attempts (if any), with the platform's wait before a static retry. */
  lose(
    workerId: string,
    kind: WorkerLostEvent['kind'],
    reason: string,
    now: number,
    retryAfterMs?: number,
  ): void;
  /** Writes the splits that ran out of retries and relaunches those queued again. */
  applyEffects(effects: FailureEffects, now: number, retryAfterMs: number): void;
}

export class DispatchInvocations {
  private readonly mode: DispatchMode;
  private readonly planned: number | undefined;
  private readonly prefix: string;
  private readonly giveUpAfter: number;
  private readonly faultsFor: DispatchCoreOptions['faultsFor'];
  private readonly liveById = new Map<string, LiveInvocation>();
  private readonly invoked: Record<InvocationReason, number> = {
    planned: 0,
    copy: 0,
    starved: 0,
    replacement: 0,
    retry: 0,
  };
  private nextWorker = 0;
  /** Invocations that failed in a row without any of them finishing a split (dynamic). */
  private fruitless = 0;
  private lastFailure = '';
  /** The longest throttling wait asked for since the last replacement (dynamic). */
  private retryAfterMs = 0;
  private replaceAt: number | null = null;
  /** Static: when each pending retry may be invoked. */
  private retriesDue: number[] = [];
  failed = 0;
  stopReason: string | null = null;

  constructor(
    private readonly state: SplitState,
    options: DispatchCoreOptions,
    private readonly host: InvocationsHost,
  ) {
    this.mode = options.mode;
    this.planned = options.plannedWorkers;
    this.prefix = options.workerIdPrefix ?? '';
    this.giveUpAfter = Math.max(this.planned ?? 0, MIN_FRUITLESS_FAILURES);
    this.faultsFor = options.faultsFor;
  }

  get live(): number {
    return this.liveById.size;
  }

  invokedByReason(): Record<InvocationReason, number> {
    return { ...this.invoked };
  }

  wasStopped(workerId: string): boolean {
    return this.liveById.get(workerId)?.stopRequested ?? false;
  }

  /** The planned workers: static, one per split; dynamic, `plannedWorkers` (none when absent). */
  start(mode: DispatchMode, now: number): void {
    const total = this.state.progress().totalSplits;
    if (mode === 'static') this.launch(total, 'planned', now);
    else if (this.planned !== undefined && total > 0) this.launch(this.planned, 'planned', now);
  }

  /**
   * Invokes `count` workers (fewer once the job is stopped or finished, or, static, once no
   * split is pending). Replacements are invoked only while invocations still finish splits.
   */
  launch(count: number, reason: InvocationReason, now: number): void {
    const workers: WorkerToInvoke[] = [];
    for (let i = 0; i < count; i++) {
      if (this.stopReason !== null || this.state.isFinished()) break;
      if ((reason === 'starved' || reason === 'replacement') && this.fruitless >= this.giveUpAfter) {
        const gaveUp = `${this.fruitless} invocations in a row failed without finishing a split (last: ${this.lastFailure})`;
        this.stopJob(`no worker could finish a split: ${gaveUp}`, gaveUp);
        break;
      }
      const workerId = `${this.prefix}w${this.nextWorker}`;
      const live: LiveInvocation = { splitId: null, attempt: 0, stopRequested: false };
      const worker: WorkerToInvoke = { workerId };
      if (this.mode === 'static') {
        const next = this.state.assign(workerId, now);
        if (next.type !== 'split') break;
        const { splitId, attempt, kind, keys } = next;
        worker.split = { splitId, attempt, kind, keys };
        live.splitId = splitId;
        live.attempt = attempt;
      }
      this.nextWorker++;
      this.invoked[reason]++;
      const faults = this.faultsFor?.(workerId, live.attempt);
      if (faults) worker.faults = faults;
      this.liveById.set(workerId, live);
      workers.push(worker);
    }
    if (workers.length > 0) this.host.emit({ type: 'invoke', reason, workers });
  }

  /** Dynamic: splits went back to the queue and no worker runs or waits to take them. */
  starved(queued: number, now: number): void {
    this.launch(this.planned === undefined ? queued : Math.min(queued, this.planned), 'starved', now);
  }

  /** Static: `count` splits were queued again; each gets a new invocation, after `retryAfterMs`. */
  retry(count: number, now: number, retryAfterMs: number): void {
    if (retryAfterMs <= 0) {
      this.launch(count, 'retry', now);
      return;
    }
    for (let i = 0; i < count; i++) this.retriesDue.push(now + retryAfterMs);
  }

  /** Relaunches whose throttling wait is over. */
  relaunchDue(now: number): void {
    if (this.retriesDue.length > 0) {
      const due = this.retriesDue.filter((at) => at <= now).length;
      if (due > 0) {
        this.retriesDue = this.retriesDue.filter((at) => at > now);
        this.launch(due, 'retry', now);
      }
    }
    if (this.replaceAt !== null && now >= this.replaceAt) {
      this.replaceAt = null;
      this.replaceIfNone(now);
    }
  }

  /** The earliest pending relaunch, or null. */
  nextRelaunchAt(): number | null {
    let next = this.replaceAt ?? Infinity;
    for (const at of this.retriesDue) next = Math.min(next, at);
    return next === Infinity ? null : next;
  }

  /** What an invocation's end means for its splits and for the job. */
  ended(workerId: string, end: InvocationEnd, now: number): void {
    const live = this.liveById.get(workerId);
    if (!live) {
      // A worker that came by itself (a standalone dispatcher): only the splits it held matter.
      if (this.mode === 'dynamic')
        this.host.lose(workerId, 'failed', end.ok ? RETURNED_HOLDING : end.error, now);
      return;
    }
    this.liveById.delete(workerId);
    if (this.mode === 'static') this.staticEnded(workerId, live, end, now);
    else {
      this.dynamicEnded(workerId, live, end, now);
      this.replaceIfNone(now);
    }
  }

  /** Once every split is done: stops the invocations still running (or, `unreachedOnly`, those that never reached the dispatcher). */
  stopLeftover(reason: string, unreachedOnly: boolean): void {
    if (this.stopReason !== null) return;
    const workerIds: string[] = [];
    for (const [workerId, live] of this.liveById) {
      if (live.stopRequested && unreachedOnly) continue;
      if (unreachedOnly && this.state.knows(workerId)) continue;
      live.stopRequested = true;
      workerIds.push(workerId);
    }
    if (workerIds.length > 0) this.host.emit({ type: 'stopInvocations', workerIds, reason });
  }

  /** No more invocations: the job stops. */
  stop(reason: string): void {
    this.stopReason ??= reason;
    this.replaceAt = null;
    this.retriesDue = [];
  }

  private stopJob(reason: string, gaveUp?: string): void {
    if (this.stopReason !== null) return;
    this.stop(reason);
    this.host.emit({ type: 'stopJob', reason, ...(gaveUp !== undefined ? { gaveUp } : {}) });
  }

  private dynamicEnded(workerId: string, live: LiveInvocation, end: InvocationEnd, now: number): void {
    if (end.ok) {
      this.fruitless = 0;
      // A worker that returns normally was told to stop and holds nothing; if not, retry its splits.
      this.host.lose(workerId, 'failed', RETURNED_HOLDING, now);
      return;
    }
    if (live.stopRequested) {
      this.host.lose(workerId, 'failed', 'stopped after the job finished', now);
      return;
    }
    this.failed++;
    if (this.stopReason !== null) return; // cancelled or stopped: the caller closes the unfinished splits
    this.fruitless = this.state.splitsWonBy(workerId) > 0 ? 0 : this.fruitless + 1;
    this.lastFailure = end.error;
    this.retryAfterMs = Math.max(this.retryAfterMs, end.retryAfterMs ?? 0);
    if (!end.retryable) this.stopJob(end.error);
    this.host.lose(workerId, 'failed', end.error, now);
  }

  private staticEnded(workerId: string, live: LiveInvocation, end: InvocationEnd, now: number): void {
    const splitId = live.splitId as string;
    if (end.ok) {
      const results = end.returned?.find((s) => s.splitId === splitId)?.results ?? [];
      const outcome = this.state.complete(workerId, splitId, results, now, live.attempt);
      if (outcome.type === 'accepted') this.host.emit({ type: 'splitDone', split: outcome.split, workerId });
      else if (outcome.type === 'rejected') this.host.applyEffects(outcome.effects, now, 0);
      return;
    }
    this.failed++;
    if (this.stopReason !== null) return; // cancelled: the caller closes the unfinished splits
    if (!end.retryable) this.stopJob(end.error);
    this.host.lose(workerId, 'failed', end.error, now, end.retryAfterMs ?? 0);
  }

  /** Dynamic: when no invocation is left but splits are, invokes replacements (never waits for nobody). */
  private replaceIfNone(now: number): void {
    if (this.stopReason !== null || this.state.isFinished() || this.liveById.size > 0) return;
    if (this.planned === undefined) return; // workers connect by themselves
    // Inputs waiting out a back-off: their release invokes workers if none is left then.
    if (this.state.progress().queued === 0 && this.state.backingOffCount() > 0) return;
    if (this.retryAfterMs > 0) {
      this.replaceAt = now + this.retryAfterMs;
      this.retryAfterMs = 0;
      return;
    }
    const { queued } = this.state.progress();
    this.launch(Math.max(1, Math.min(queued, this.planned)), 'replacement', now);
  }
}
