/**
 * Static dispatch: the inputs cut into `workers` contiguous near-equal chunks, one invocation
 * each, all submitted at once (the backend queues beyond its concurrency). A failed invocation
 * is tried again, up to `maxRetries` times, by a new invocation; after that its inputs get
 * error lines. Bookkeeping is the shared split state machine, so the record has the same shape
 * in every mode.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { SplitState, type FailureEffects } from '../core/split-state.js';
import { BackendError, messageOf } from '../errors.js';
import type { WorkerPayload } from '../protocol/invocation.js';
import type { DispatchContext, DispatchOutcome } from './dispatch.js';
import { splitRecords } from './records.js';

export async function runStaticDispatch(ctx: DispatchContext): Promise<DispatchOutcome> {
  const { spec, backend, sink, signal } = ctx;
  const splits = ctx.splits;
  const state = new SplitState(splits, { maxSplitRetries: spec.maxRetries });
  const pipeline = ctx.pipeline;
  const inFlight = new Set<Promise<void>>();
  let nextWorker = 0;

  const applyFailure = async (effects: FailureEffects, retryAfterMs: number): Promise<void> => {
    for (const failed of effects.failed)
      await sink.splitDone(failed, null, state.record(failed.splitId).attempts);
    for (const _ of effects.requeued) {
      if (retryAfterMs > 0) await sleep(retryAfterMs, undefined, { signal }).catch(() => undefined);
      launch();
    }
  };

  const runInvocation = async (
    workerId: string,
    splitId: string,
    attempt: number,
    keys: readonly string[],
  ): Promise<void> => {
    const faults = ctx.faultsFor(workerId, attempt);
    const payload: WorkerPayload = {
      kind: 'static',
      jobId: ctx.jobId,
      workerId,
      model: ctx.model,
      storage: ctx.storage,
      pipeline,
      splits: [{ splitId, keys: [...keys] }],
      ...(faults ? { faults } : {}),
    };
    const inv = await backend.invoke(payload, { signal, timeoutMs: spec.backend.timeoutMs });
    const base = { ...inv.stats, workerId, splitIds: [splitId], attempt, ...(faults ? { faults } : {}) };
    if (inv.ok) {
      ctx.recordInvocation({
        ...base,
        ok: true,
        pid: inv.result.runtime.pid,
        modelLoadMs: inv.result.timings.modelLoadMs,
        timings: inv.result.timings,
      });
      const results = inv.result.splits.find((s) => s.splitId === splitId)?.results ?? [];
      const outcome = state.complete(workerId, splitId, results, ctx.now(), attempt);
      if (outcome.type === 'accepted')
        await sink.splitDone(outcome.split, workerId, state.record(splitId).attempts);
      else if (outcome.type === 'rejected') await applyFailure(outcome.effects, 0);
      return;
    }
    const retryable = inv.error instanceof BackendError ? inv.error.retryable : true;
    ctx.recordInvocation({ ...base, ok: false, error: inv.error.message, retryable });
    if (signal.aborted) return; // cancelled: the unfinished splits are closed by the caller
    if (!retryable) ctx.stop(inv.error.message);
    const effects = state.workerFailed(workerId, ctx.now(), messageOf(inv.error));
    if (signal.aborted) return;
    await applyFailure(effects, inv.error instanceof BackendError ? inv.error.retryAfterMs : 0);
  };

  /** Starts one invocation on the next pending split, if any. */
  const launch = (): void => {
    if (signal.aborted) return;
    const workerId = `${ctx.workerIdPrefix}w${nextWorker++}`;
    const assignment = state.assign(workerId, ctx.now());
    if (assignment.type !== 'split') return;
    const task = runInvocation(workerId, assignment.splitId, assignment.attempt, assignment.keys)
      .catch((err: unknown) => ctx.stop(`internal error: ${messageOf(err)}`))
      .finally(() => inFlight.delete(task));
    inFlight.add(task);
  };

  for (let i = 0; i < splits.length; i++) launch();
  while (inFlight.size > 0) await Promise.race(inFlight);
  return { splits, records: splitRecords(state), workers: splits.length, pipeline };
}
