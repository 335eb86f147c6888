/**
 * Dynamic dispatch: the job manager runs a split dispatcher (gRPC, job token, 127.0.0.1 unless
 * told otherwise, TLS with a certificate the payloads pin unless in clear text) around the
 * dispatch core, and invokes the workers the core asks for; they pull splits of `splitSize`
 * inputs until none are left, returning each split's results with their next pull. Each
 * finished split is written to `results.jsonl` and `splits.jsonl` as it arrives.
 *
 * The semantics are the core's ({@link DispatchCore}): retries of the splits of failed, closed
 * or silent workers, replacement workers when none is left (after the platform's throttling
 * wait), the give-up rule for invocations that fail without finishing a split, speculative
 * copies and their extra worker, and stopping leftover workers once every split is done. This
 * file carries out its decisions on the job's clock (the steady clock by default): backend
 * invocations, their records, result files.
 */
import { DispatchCore, type DispatchDecision, type WorkerToInvoke } from '../core/dispatch-core.js';
import type { InvocationReason } from '../core/dispatch-types.js';
import { messageOf, UserError } from '../errors.js';
import type { WorkerPayload } from '../protocol/invocation.js';
import { DispatcherServer } from '../rpc/dispatcher-server.js';
import { dispatchCoreSettings } from '../spec/dispatch-core-options.js';
import type { DynamicDispatchSpec } from '../spec/types.js';
import type { DispatchContext, DispatchOutcome } from './dispatch.js';
import { DispatcherLog } from './dispatcher-record.js';
import { PendingWrites } from './pending-writes.js';
import { splitRecords } from './records.js';
import { answeredFields, failedEnd, workPayloadFields } from './worker-invocation.js';

export { FINISH_GRACE_MS, MIN_FRUITLESS_FAILURES } from '../core/dispatch-defaults.js';

interface RunningWorker {
  controller: AbortController;
  task: Promise<void>;
}

export async function runDynamicDispatch(ctx: DispatchContext): Promise<DispatchOutcome> {
  const { spec, backend, sink, signal } = ctx;
  if (spec.dispatch.type !== 'dynamic') throw new Error('dynamic dispatch needs a dynamic spec');
  const dispatch: DynamicDispatchSpec = spec.dispatch;
  const planned = ctx.plannedWorkers;
  const pipeline = ctx.pipeline;
  const log = new DispatcherLog(ctx.now);
  const writes = new PendingWrites(ctx.stop);
  const running = new Map<string, RunningWorker>();
  let bound = { host: dispatch.host, port: dispatch.port };
  let markFinished = (): void => undefined;
  const finished = new Promise<void>((resolve) => (markFinished = resolve));

  const core = new DispatchCore(ctx.splits, {
    ...dispatchCoreSettings(dispatch, spec.maxRetries),
    plannedWorkers: planned,
    workerIdPrefix: ctx.workerIdPrefix,
    faultsFor: ctx.faultsFor,
    ...(ctx.reopened ? { reopened: ctx.reopened } : {}),
  });
  const tls = ctx.dispatcherTls;
  const server = new DispatcherServer(core, {
    host: dispatch.host,
    port: dispatch.port,
    clock: { now: ctx.now },
    ...(tls ? { tls: tls.server } : {}),
  });

  const track = (write: Promise<void>): void => writes.track(write);

  const carryOut = (decision: DispatchDecision): void => {
    switch (decision.type) {
      case 'invoke':
        for (const worker of decision.workers) invoke(worker, decision.reason);
        return;
      case 'splitDone': {
        const { attempts } = core.state.record(decision.split.splitId);
        track(sink.splitDone(decision.split, decision.workerId, attempts));
        return;
      }
      case 'workerLost':
        return log.lost(decision.event);
      case 'copy':
        return log.copied(decision.copy);
      case 'stopInvocations':
        for (const workerId of decision.workerIds) running.get(workerId)?.controller.abort();
        return;
      case 'stopJob':
        if (decision.gaveUp !== undefined) log.gaveUp = decision.gaveUp;
        return ctx.stop(decision.reason);
      case 'finished':
        return markFinished();
      default:
        return; // answers and cancels travel on the workers' streams (the dispatcher's)
    }
  };
  core.onDecision((decision) => {
    try {
      carryOut(decision);
    } catch (err) {
      ctx.stop(`internal error: ${messageOf(err)}`);
    }
  });
  const onAbort = (): void => core.stop(messageOf(signal.reason ?? 'job stopped'), ctx.now());

  function invoke(worker: WorkerToInvoke, reason: InvocationReason): void {
    const controller = new AbortController();
    const task = runWorker(worker, reason, controller.signal)
      .catch((err: unknown) => ctx.stop(`internal error: ${messageOf(err)}`))
      .finally(() => {
        running.delete(worker.workerId);
        // Its credential is void from now on, and the dispatcher forgets it.
        server.workerEnded(worker.workerId);
      });
    running.set(worker.workerId, { controller, task });
  }

  /** The splits whose results `workerId` returned to the dispatcher (won, or lost to another attempt). */
  function splitsReturnedBy(workerId: string): string[] {
    return core.state
      .records()
      .filter((r) =>
        r.attempts.some((a) => a.workerId === workerId && (a.outcome === 'won' || a.outcome === 'lost')),
      )
      .map((r) => r.splitId);
  }

  async function runWorker(
    { workerId, faults }: WorkerToInvoke,
    reason: InvocationReason,
    own: AbortSignal,
  ): Promise<void> {
    const payload: WorkerPayload = {
      kind: 'dynamic',
      ...workPayloadFields(ctx, workerId, faults),
      dispatcher: {
        host: dispatch.advertiseHost,
        port: bound.port,
        token: server.credentialFor(workerId),
        keepAliveIntervalMs: dispatch.keepAliveIntervalMs,
        ...(tls ? { tls: { cert: tls.pinnedCert } } : {}),
      },
    };
    const inv = await backend.invoke(payload, {
      signal: AbortSignal.any([signal, own]),
      timeoutMs: spec.backend.timeoutMs,
      reason,
    });
    const base = { ...inv.stats, workerId, reason, attempt: 0, ...(faults ? { faults } : {}) };
    if (inv.ok) {
      const { result } = inv;
      ctx.recordInvocation({
        ...base,
        splitIds: result.splits.map((s) => s.splitId),
        ...answeredFields(result),
        ...(result.dispatch ? { dispatch: result.dispatch } : {}),
      });
      core.invocationEnded(workerId, { ok: true }, ctx.now());
      return;
    }
    const end = failedEnd(inv.error);
    if (own.aborted) {
      ctx.recordInvocation({
        ...base,
        splitIds: [],
        ok: false,
        error: 'stopped by the job manager: every split was done',
        retryable: false,
        stopped: true,
      });
    } else {
      ctx.recordInvocation({
        ...base,
        // It sent no result, but the dispatcher has the splits it returned before it failed.
        splitIds: splitsReturnedBy(workerId),
        ok: false,
        error: inv.error.message,
        retryable: end.retryable,
        // Ended by the job's cancel or stop, not by a failure of its own.
        ...(signal.aborted ? { stopped: true } : {}),
      });
    }
    core.invocationEnded(workerId, end, ctx.now());
  }

  try {
    bound = await server.start();
  } catch (err) {
    await server.close();
    throw new UserError(`dispatcher.host: ${messageOf(err)}`, { cause: err });
  }
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    if (ctx.splits.length > 0 && !signal.aborted) {
      core.start(ctx.now());
      await untilFinishedOrAborted(finished, signal);
    }
  } catch (err) {
    ctx.stop(`internal error: ${messageOf(err)}`);
  } finally {
    // Leftover workers hear "stop" or are stopped by the core's grace tick; cancelled ones by the signal.
    while (running.size > 0) await Promise.all([...running.values()].map((w) => w.task));
    signal.removeEventListener('abort', onAbort);
    await server.close();
    await writes.settled();
  }
  return {
    splits: ctx.splits,
    records: splitRecords(core.state),
    workers: planned,
    pipeline,
    dispatcher: log.record(
      {
        host: dispatch.host,
        advertiseHost: dispatch.advertiseHost,
        port: bound.port,
        tls: tls ? { enabled: true, source: tls.source, sha256: tls.sha256 } : { enabled: false },
      },
      server.counters,
      core.counts().invoked,
    ),
  };
}

/** Resolves when every split is done or the job is aborted. */
function untilFinishedOrAborted(finished: Promise<void>, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const onAbort = (): void => resolve();
    signal.addEventListener('abort', onAbort, { once: true });
    void finished.then(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    });
  });
}
