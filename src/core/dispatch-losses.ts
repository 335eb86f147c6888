/**
 * What the dispatch core does when a worker is lost or an attempt fails (pure): the worker's
 * running attempts are given up, the splits that ran out of retries are done with errors, and
 * the splits queued again get workers. Static: a new invocation per split (after the platform's
 * throttling wait). Dynamic: invocations when no worker runs or waits to take them (starvation).
 */
import type { DispatchInvocations } from './dispatch-invocations.js';
import type { DispatchMode } from './dispatch-plan.js';
import type { DispatchDecision, WorkerLostEvent } from './dispatch-types.js';
import type { FailureEffects, SplitState } from './split-state.js';

/** What the losses need from the core around them. */
export interface LossesHost {
  readonly mode: DispatchMode;
  readonly state: SplitState;
  emit(decision: DispatchDecision): void;
  /** Whether a worker's pull waits for work. */
  hasParkedPulls(): boolean;
  /** The job's invocations (made after the losses, which they report to). */
  invocations(): DispatchInvocations;
}

export class WorkerLosses {
  /** Workers were invoked for starved splits, and no split was assigned since. */
  private starvedSignalled = false;

  constructor(private readonly host: LossesHost) {}

  /** Splits were assigned: a later starvation invokes workers again. */
  assigned(): void {
    this.starvedSignalled = false;
  }

  /** Gives up a worker's running attempts, if it holds any. */
  lose(workerId: string, kind: WorkerLostEvent['kind'], reason: string, now: number, retryAfterMs = 0): void {
    const { state } = this.host;
    if (!state.isHolding(workerId)) return;
    const effects = state.workerFailed(workerId, now, reason);
    this.reportLost(workerId, kind, reason, effects, now, retryAfterMs);
  }

  /** Says that a worker was lost, with what became of its splits, and carries that out. */
  reportLost(
    workerId: string,
    kind: WorkerLostEvent['kind'],
    reason: string,
    effects: FailureEffects,
    now: number,
    retryAfterMs: number,
  ): void {
    const event: WorkerLostEvent = {
      workerId,
      kind,
      reason,
      requeued: effects.requeued,
      failed: effects.failed.map((s) => s.splitId),
    };
    this.host.emit({ type: 'workerLost', event });
    this.applyEffects(effects, now, retryAfterMs);
  }

  /**
   * Splits that ran out of retries are done (with errors). Static: each split queued again gets
   * a new invocation. Dynamic: when no worker runs or waits to take them, workers are invoked.
   */
  applyEffects(effects: FailureEffects, now: number, retryAfterMs: number): void {
    const { host } = this;
    for (const split of effects.failed) host.emit({ type: 'splitDone', split, workerId: null });
    if (effects.requeued.length === 0) return;
    if (host.mode === 'static') {
      host.invocations().retry(effects.requeued.length, now, retryAfterMs);
      return;
    }
    if (this.starvedSignalled) return;
    const progress = host.state.progress();
    if (progress.runningAttempts === 0 && !host.hasParkedPulls()) {
      this.starvedSignalled = true;
      host.invocations().starved(progress.queued, now);
    }
  }
}
