/**
 * The dispatch core (pure: no I/O, time passed in as ms): one job's dispatch semantics, whoever
 * drives them. The gRPC dispatcher and the job manager drive it with the job's clock (the
 * steady clock, `util/steady-clock.ts`, unless given another); the simulator drives it with its
 * virtual clock. Events go in (start, a worker's pull with the results it returns, a heartbeat,
 * a closed stream, an invocation's end, a tick, a stop);
 * decisions come out to the listeners (`onDecision`): invoke workers, answer a waiting pull,
 * cancel a superseded attempt, a split done, stop invocations, stop the job, finished.
 * Decisions of one event reach the listeners once the event is applied, in order.
 *
 * Around the split state machine ({@link SplitState}: assignments, retries, exactly one result
 * per input) it holds: parked pulls (idle workers waiting for work), silent-worker expiry,
 * speculative copies and the extra worker for them, starvation (splits queued again and no
 * worker left: invoke some), the workers it invokes (planned ones, replacements when every
 * invocation ended with splits left, after a throttling wait; the job stops when invocations
 * keep failing without finishing a split), the faults each worker injects (experiments), and
 * stopping the invocations left over once every split is done.
 *
 * Static mode is the same core with one split per invocation: the split comes with the
 * invocation, its results with the invocation's end, and a failed split is tried again by a new
 * invocation (after the platform's throttling wait).
 *
 * Ticks come on a grid, every `tickMs` after `start`; {@link DispatchCore.nextTickAt} says when
 * the next tick can change anything, so a virtual clock may skip the others.
 */
import { DEFAULT_TICK_MS, FINISH_GRACE_MS } from './dispatch-defaults.js';
import { DispatchInvocations } from './dispatch-invocations.js';
import { WorkerLosses } from './dispatch-losses.js';
import { TickGrid } from './dispatch-ticks.js';
import { DecisionOutbox } from './dispatch-outbox.js';
import type { DispatchMode } from './dispatch-plan.js';
import type {
  AssignedSplit,
  DispatchCoreOptions,
  DispatchCounts,
  InvocationEnd,
  PullAnswer,
  ReturnedSplit,
  ReturnedStatus,
} from './dispatch-types.js';
import { Speculator } from './speculation.js';
import { SplitState } from './split-state.js';
import type { Split } from './splitting.js';

export type * from './dispatch-types.js';

const SUPERSEDED = 'another attempt of this split finished first';

export class DispatchCore extends DecisionOutbox {
  readonly state: SplitState;
  readonly mode: DispatchMode;
  private readonly ticks: TickGrid;
  private readonly silentTimeoutMs: number | null;
  private readonly speculator: Speculator | null;
  private readonly finishGraceMs: number;
  private readonly invocations: DispatchInvocations;
  private readonly losses: WorkerLosses;
  /** Pulls waiting for work, by worker, with the most splits each asked for. */
  private readonly parked = new Map<string, number>();
  private finishedAt: number | null = null;
  private leftoverStopped = false;

  constructor(
    splits: readonly Split[],
    options: DispatchCoreOptions & { workerSilentTimeoutMs: number | null },
  ) {
    super();
    this.mode = options.mode;
    this.state = new SplitState(splits, {
      maxSplitRetries: options.maxSplitRetries,
      idleWorkers: options.idleWorkers,
      stopOutpacedWorkers: options.stopOutpacedWorkers,
      inputRetryBackoffMs: options.inputRetryBackoffMs,
      reopened: options.reopened,
    });
    this.ticks = new TickGrid(options.tickMs ?? DEFAULT_TICK_MS);
    // A static invocation is silent until it ends: only dynamic workers heartbeat.
    this.silentTimeoutMs = this.mode === 'static' ? null : options.workerSilentTimeoutMs;
    const speculation = this.mode === 'dynamic' ? (options.speculation ?? null) : null;
    this.speculator = speculation ? new Speculator(speculation) : null;
    this.finishGraceMs = options.finishGraceMs ?? FINISH_GRACE_MS;
    const emit = this.emit.bind(this);
    this.losses = new WorkerLosses({
      mode: this.mode,
      state: this.state,
      emit,
      hasParkedPulls: () => this.parked.size > 0,
      invocations: () => this.invocations,
    });
    this.invocations = new DispatchInvocations(this.state, options, {
      emit,
      lose: this.losses.lose.bind(this.losses),
      applyEffects: this.losses.applyEffects.bind(this.losses),
    });
  }

  /** Starts the job at `now`: invokes the planned workers (static: one per split). */
  start(now: number): void {
    if (this.observed) this.observe({ type: 'start', at: now });
    this.applying(() => {
      this.ticks.start(now);
      this.invocations.start(this.mode, now);
      this.afterChange(now);
    });
  }

  /**
   * A worker returns the results of splits it finished (if any) and asks for up to `maxSplits`
   * more. The answer holds what became of each returned split and the splits to run; none
   * means stop, unless `wait` (the answer comes later as an `answer` decision).
   */
  pull(workerId: string, returned: readonly ReturnedSplit[], maxSplits: number, now: number): PullAnswer {
    if (this.observed) {
      const ids = returned.map((r) => r.splitId);
      this.observe({ type: 'pull', at: now, workerId, returned: ids, maxSplits });
    }
    return this.applying(() => {
      this.parked.delete(workerId);
      const statuses: ReturnedStatus[] = [];
      for (const r of returned) statuses.push(this.accept(workerId, r, now));
      const answer = this.assignUpTo(workerId, maxSplits, now);
      if (answer.wait) this.parked.set(workerId, maxSplits);
      this.afterChange(now);
      return { statuses, splits: answer.splits, wait: answer.wait };
    });
  }

  /** Notes that a worker is alive. */
  heartbeat(workerId: string, now: number): void {
    if (this.observed) this.observe({ type: 'heartbeat', at: now, workerId });
    this.state.heartbeat(workerId, now);
  }

  /** A worker's stream closed (or was refused): the splits it held are retried or failed. */
  streamClosed(workerId: string, reason: string, now: number): void {
    if (this.observed) this.observe({ type: 'streamClosed', at: now, workerId, reason });
    this.applying(() => {
      this.parked.delete(workerId);
      this.losses.lose(workerId, 'disconnected', reason, now);
      this.afterChange(now);
    });
  }

  /**
   * An invocation the core asked for ended: with its results (static), normally (dynamic: it was
   * told to stop), or with an error.
   */
  invocationEnded(workerId: string, end: InvocationEnd, now: number): void {
    if (this.observed) {
      const error = end.ok ? {} : { error: end.error, retryable: end.retryable };
      this.observe({ type: 'invocationEnded', at: now, workerId, ok: end.ok, ...error });
    }
    this.applying(() => {
      this.invocations.ended(workerId, end, now);
      this.afterChange(now);
    });
  }

  /** A tick of the grid: silent workers, speculative copies, due relaunches, leftover workers. */
  tick(now: number): void {
    if (this.observed) this.observe({ type: 'tick', at: now });
    this.applying(() => {
      this.ticks.ticked(now);
      if (this.silentTimeoutMs !== null) {
        for (const expired of this.state.expireSilentWorkers(now, this.silentTimeoutMs)) {
          const reason = `no heartbeat for ${Math.round(expired.silentForMs)} ms`;
          this.losses.reportLost(expired.workerId, 'silent', reason, expired.effects, now, 0);
        }
      }
      this.speculate(now);
      const released = this.state.releaseDueRetries(now);
      if (released.length > 0) this.losses.applyEffects({ requeued: released, failed: [] }, now, 0);
      this.invocations.relaunchDue(now);
      if (this.finishedAt !== null && !this.leftoverStopped && now >= this.finishedAt + this.finishGraceMs) {
        this.leftoverStopped = true;
        const waited = `it had not returned ${this.finishGraceMs / 1000} s after every split was done`;
        this.invocations.stopLeftover(waited, false);
      }
      this.afterChange(now);
    });
  }

  /** The job stops (cancelled, or stopped by its driver): no more invocations. */
  stop(reason: string, now: number): void {
    if (this.observed) this.observe({ type: 'stop', at: now, reason });
    this.invocations.stop(reason);
  }

  /**
   * When the next tick can change anything (a grid time after the last tick), or null when no
   * tick can until another event: ticks in between do nothing and a virtual clock may skip them.
   */
  nextTickAt(): number | null {
    if (!this.ticks.started) return null;
    const times: number[] = [];
    if (this.silentTimeoutMs !== null) {
      const heard = this.state.oldestWatchedHeardAt();
      if (heard !== null) times.push(this.ticks.afterSilence(heard, this.silentTimeoutMs));
    }
    const speculation = this.speculator?.nextCheckAt(this.state) ?? null;
    if (speculation !== null) times.push(this.ticks.atOrAfter(speculation));
    const retryDue = this.state.nextRetryDueAt();
    if (retryDue !== null) times.push(this.ticks.atOrAfter(retryDue));
    const relaunch = this.invocations.nextRelaunchAt();
    if (relaunch !== null) times.push(this.ticks.atOrAfter(relaunch));
    if (this.finishedAt !== null && !this.leftoverStopped && this.invocations.live > 0)
      times.push(this.ticks.atOrAfter(this.finishedAt + this.finishGraceMs));
    return this.ticks.next(times);
  }

  /** Milliseconds between two ticks. */
  get tickMs(): number {
    return this.ticks.tickMs;
  }

  /** Why the job stopped (cancelled, an error no retry fixes, workers that never finish), or null. */
  get stopReason(): string | null {
    return this.invocations.stopReason;
  }

  /** Invocations the core asked for that have not ended. */
  get liveInvocations(): number {
    return this.invocations.live;
  }

  /** Whether the core told this invocation to stop (every split was done). */
  wasStopped(workerId: string): boolean {
    return this.invocations.wasStopped(workerId);
  }

  /** Invocations, failures, retries and copies so far. */
  counts(): DispatchCounts {
    const attempts = this.state.attemptCounts();
    return {
      invoked: this.invocations.invokedByReason(),
      failedInvocations: this.invocations.failed,
      retries: attempts.retry,
      copies: attempts.copy,
      inputRetries: this.state.inputRetries,
    };
  }

  private accept(workerId: string, returned: ReturnedSplit, now: number): ReturnedStatus {
    const { splitId } = returned;
    const outcome = this.state.complete(workerId, splitId, returned.results, now, returned.attempt);
    if (outcome.type === 'accepted' || outcome.type === 'retrying') {
      if (outcome.type === 'accepted') this.emit({ type: 'splitDone', split: outcome.split, workerId });
      for (const attempt of outcome.superseded) this.emit({ type: 'cancel', attempt, reason: SUPERSEDED });
      return { splitId, status: 'accepted', detail: '' };
    }
    if (outcome.type === 'rejected') this.losses.applyEffects(outcome.effects, now, 0);
    return { splitId, status: outcome.type, detail: outcome.reason };
  }

  /** Up to `max` splits for a worker; wait when none is free for it but the job still runs. */
  private assignUpTo(workerId: string, max: number, now: number): { splits: AssignedSplit[]; wait: boolean } {
    const splits: AssignedSplit[] = [];
    while (splits.length < max) {
      const next = this.state.assign(workerId, now);
      if (next.type !== 'split') {
        if (splits.length === 0 && next.type === 'wait') return { splits, wait: true };
        break;
      }
      splits.push({ splitId: next.splitId, attempt: next.attempt, kind: next.kind, keys: next.keys });
    }
    if (splits.length > 0) this.losses.assigned();
    return { splits, wait: false };
  }

  /** Notes the end of the job, and answers parked pulls once there is work for them (or none left). */
  private afterChange(now: number): void {
    const finished = this.state.isFinished();
    if (finished && this.finishedAt === null) {
      this.finishedAt = now;
      this.emit({ type: 'finished' });
      this.invocations.stopLeftover('every split was done before it reached the dispatcher', true);
    }
    if (this.parked.size === 0 || (!finished && this.state.progress().queued === 0)) return;
    for (const [workerId, max] of [...this.parked]) {
      if (!finished && this.state.progress().queued === 0) break;
      const answer = this.assignUpTo(workerId, max, now);
      if (answer.wait) continue;
      this.parked.delete(workerId);
      this.emit({ type: 'answer', workerId, splits: answer.splits });
    }
  }

  private speculate(now: number): void {
    const decision = this.speculator?.check(this.state, now);
    if (!decision) return;
    for (const copy of decision.copies)
      if (this.state.addCopy(copy.splitId)) this.emit({ type: 'copy', copy });
    if (decision.extraWorkers > 0) this.invocations.launch(decision.extraWorkers, 'copy', now);
  }
}
