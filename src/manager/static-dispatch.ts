/**
 * Static dispatch: the inputs cut into `workers` contiguous near-equal chunks, one invocation
 * each, all submitted at once (the backend queues beyond its concurrency). A failed invocation
 * is tried again, up to `maxRetries` times, by a new invocation (after the platform's
 * throttling wait); after that its inputs get error lines.
 *
 * The semantics are the dispatch core's, in static mode ({@link DispatchCore}); this file
 * carries out its decisions on the job's clock (the steady clock by default): backend
 * invocations, their records, result files, and a timer that ticks the core while a retry waits.
 */
import { DispatchCore, type DispatchDecision, type WorkerToInvoke } from '../core/dispatch-core.js';
import type { InvocationReason } from '../core/dispatch-types.js';
import { messageOf } from '../errors.js';
import type { WorkerPayload } from '../protocol/invocation.js';
import { dispatchCoreSettings } from '../spec/dispatch-core-options.js';
import type { DispatchContext, DispatchOutcome } from './dispatch.js';
import { PendingWrites } from './pending-writes.js';
import { splitRecords } from './records.js';
import { answeredFields, failedEnd, workPayloadFields } from './worker-invocation.js';

export async function runStaticDispatch(ctx: DispatchContext): Promise<DispatchOutcome> {
  const { spec, backend, sink, signal } = ctx;
  const splits = ctx.splits;
  const inFlight = new Set<Promise<void>>();
  const writes = new PendingWrites(ctx.stop);
  let settle = (): void => undefined;
  const settled = new Promise<void>((resolve) => (settle = resolve));
  /** Done once every split is (or the job stopped) and no invocation runs. */
  const checkDone = (): void => {
    if ((core.state.isFinished() || signal.aborted) && inFlight.size === 0) settle();
  };

  const core = new DispatchCore(splits, {
    ...dispatchCoreSettings(spec.dispatch, spec.maxRetries),
    workerIdPrefix: ctx.workerIdPrefix,
    faultsFor: ctx.faultsFor,
    ...(ctx.reopened ? { reopened: ctx.reopened } : {}),
  });
  const track = (write: Promise<void>): void => writes.track(write);
  const carryOut = (decision: DispatchDecision): void => {
    if (decision.type === 'invoke') for (const worker of decision.workers) invoke(worker, decision.reason);
    else if (decision.type === 'splitDone') {
      const { attempts } = core.state.record(decision.split.splitId);
      track(sink.splitDone(decision.split, decision.workerId, attempts));
    } else if (decision.type === 'stopJob') ctx.stop(decision.reason);
  };
  core.onDecision((decision) => {
    try {
      carryOut(decision);
    } catch (err) {
      ctx.stop(`internal error: ${messageOf(err)}`);
    }
  });

  function invoke(worker: WorkerToInvoke, reason: InvocationReason): void {
    const task = runInvocation(worker, reason)
      .catch((err: unknown) => ctx.stop(`internal error: ${messageOf(err)}`))
      .finally(() => {
        inFlight.delete(task);
        checkDone();
      });
    inFlight.add(task);
  }

  async function runInvocation(
    { workerId, faults, split }: WorkerToInvoke,
    reason: InvocationReason,
  ): Promise<void> {
    if (!split) throw new Error(`static invocation ${workerId} without a split`);
    const { splitId, attempt, keys } = split;
    const payload: WorkerPayload = {
      kind: 'static',
      ...workPayloadFields(ctx, workerId, faults),
      // The attempt only with the read-error fault (decided per attempt): a function of an
      // earlier version, which refuses a field it does not know, still runs any other payload.
      splits: [{ splitId, keys: [...keys], ...(faults?.readErrors ? { attempt } : {}) }],
    };
    const inv = await backend.invoke(payload, { signal, timeoutMs: spec.backend.timeoutMs, reason });
    const base = {
      ...inv.stats,
      workerId,
      reason,
      splitIds: [splitId],
      attempt,
      ...(faults ? { faults } : {}),
    };
    if (inv.ok) {
      ctx.recordInvocation({ ...base, ...answeredFields(inv.result) });
      core.invocationEnded(workerId, { ok: true, returned: inv.result.splits }, ctx.now());
      return;
    }
    const end = failedEnd(inv.error);
    // Ended by the job's cancel or stop, not by a failure of its own.
    const stopped = signal.aborted ? { stopped: true } : {};
    ctx.recordInvocation({
      ...base,
      ok: false,
      error: inv.error.message,
      retryable: end.retryable,
      ...stopped,
    });
    core.invocationEnded(workerId, end, ctx.now());
  }

  const onAbort = (): void => {
    core.stop(messageOf(signal.reason ?? 'job stopped'), ctx.now());
    checkDone();
  };
  signal.addEventListener('abort', onAbort, { once: true });
  // Ticks bring retries that wait out a throttling delay or an input retry's back-off. The timer
  // keeps the process alive (cleared below): while a retry waits, an HTTP or Lambda backend holds
  // nothing else open, and the CLI would exit mid-job.
  const timer = setInterval(() => core.tick(ctx.now()), core.tickMs);
  try {
    if (signal.aborted) onAbort();
    else core.start(ctx.now());
    checkDone();
    await settled;
  } finally {
    clearInterval(timer);
    signal.removeEventListener('abort', onAbort);
    await writes.settled();
  }
  return { splits, records: splitRecords(core.state), workers: splits.length, pipeline: ctx.pipeline };
}
