/**
 * Dynamic dispatch: the job manager runs a split dispatcher (gRPC, job token, 127.0.0.1 unless
 * told otherwise) and invokes workers that pull splits of `splitSize` inputs until none are
 * left, returning each split's results with their next pull. Each finished split is written to
 * `results.jsonl` and `splits.jsonl` as it arrives.
 *
 * Failures: a failed invocation, a closed stream or missed heartbeats send the worker's split
 * back to the queue (up to `maxSplitRetries`, then its inputs get error lines). When no worker
 * is left to take queued splits, replacement workers are invoked; when invocations keep failing
 * without finishing a split, the job stops with their error instead of hanging. Speculation
 * copies the splits of stragglers and may invoke one extra worker for them.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { BackendError, messageOf, UserError } from '../errors.js';
import { DispatcherServer } from '../rpc/dispatcher-server.js';
import type { DynamicDispatchSpec } from '../spec/types.js';
import type { WorkerPayload } from '../protocol/invocation.js';
import type { DispatchContext, DispatchOutcome } from './dispatch.js';
import { DispatcherLog, type InvocationReason } from './dispatcher-record.js';
import { splitRecords } from './records.js';

/** Once every split is done, how long running workers get to return before they are stopped. */
export const FINISH_GRACE_MS = 5_000;

/** Failed invocations in a row, none finishing a split, after which the job stops (at least). */
export const MIN_FRUITLESS_FAILURES = 3;

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
  const writes = new Set<Promise<void>>();
  const running = new Map<string, RunningWorker>();
  const giveUpAfter = Math.max(planned, MIN_FRUITLESS_FAILURES);
  let bound = { host: dispatch.host, port: dispatch.port };
  let nextWorker = 0;
  let fruitless = 0;
  let lastFailure = '';
  /** How long the backend asked to wait before the next invocation (throttling). */
  let retryAfterMs = 0;

  const track = (write: Promise<void>): void => {
    const tracked = write
      .catch((err: unknown) => ctx.stop(`cannot write results: ${messageOf(err)}`))
      .finally(() => writes.delete(tracked));
    writes.add(tracked);
  };

  const server: DispatcherServer = new DispatcherServer(ctx.splits, {
    host: dispatch.host,
    port: dispatch.port,
    maxSplitRetries: dispatch.maxSplitRetries,
    workerSilentTimeoutMs: dispatch.workerSilentTimeoutMs,
    // A straggler whose split a copy finished gets no new split (it would need a copy too).
    stopOutpacedWorkers: dispatch.speculation !== null,
    speculation: dispatch.speculation
      ? {
          quantile: dispatch.speculation.quantile,
          multiplier: dispatch.speculation.multiplier,
          intervalMs: dispatch.speculation.intervalMs,
          maxExtraWorkers: dispatch.speculation.extraWorkers,
        }
      : false,
    clock: { now: ctx.now },
    hooks: {
      onSplitDone: (split) => {
        const { attempts } = server.state.record(split.splitId);
        const winner = attempts.find((a) => a.attempt === split.winner);
        track(sink.splitDone(split, winner?.workerId ?? null, attempts));
      },
      onWorkerLost: (event) => log.lost(event),
      onCopy: (copy) => log.copied(copy),
      onWorkersWanted: ({ count, reason }) =>
        reason === 'copy' ? launch(count, 'copy') : launch(Math.min(count, planned), 'starved'),
    },
  });

  /** Invokes `count` workers (replacements only while invocations still finish splits). */
  function launch(count: number, reason: InvocationReason): void {
    for (let i = 0; i < count; i++) {
      if (signal.aborted || server.state.isFinished()) return;
      if ((reason === 'starved' || reason === 'replacement') && fruitless >= giveUpAfter) {
        log.gaveUp = `${fruitless} invocations in a row failed without finishing a split (last: ${lastFailure})`;
        ctx.stop(`no worker could finish a split: ${log.gaveUp}`);
        return;
      }
      const workerId = `${ctx.workerIdPrefix}w${nextWorker++}`;
      log.invoked[reason]++;
      const controller = new AbortController();
      const task = runWorker(workerId, controller.signal)
        .catch((err: unknown) => ctx.stop(`internal error: ${messageOf(err)}`))
        .finally(() => {
          running.delete(workerId);
          afterInvocation();
        });
      running.set(workerId, { controller, task });
    }
  }

  /** When no worker is left but splits are, invokes replacements (never waits for nobody). */
  function afterInvocation(): void {
    if (signal.aborted || server.state.isFinished() || running.size > 0) return;
    if (retryAfterMs > 0) {
      const wait = retryAfterMs;
      retryAfterMs = 0;
      void sleep(wait, undefined, { signal }).then(afterInvocation, () => undefined);
      return;
    }
    const { queued } = server.state.progress();
    launch(Math.max(1, Math.min(queued, planned)), 'replacement');
  }

  async function runWorker(workerId: string, own: AbortSignal): Promise<void> {
    const faults = ctx.faultsFor(workerId, 0);
    const payload: WorkerPayload = {
      kind: 'dynamic',
      jobId: ctx.jobId,
      workerId,
      model: ctx.model,
      storage: ctx.storage,
      pipeline,
      dispatcher: {
        host: dispatch.advertiseHost,
        port: bound.port,
        token: server.token,
        keepAliveIntervalMs: dispatch.keepAliveIntervalMs,
      },
      ...(faults ? { faults } : {}),
    };
    const inv = await backend.invoke(payload, {
      signal: AbortSignal.any([signal, own]),
      timeoutMs: spec.backend.timeoutMs,
    });
    const won = server.state.worker(workerId)?.splitsWon ?? 0;
    const base = { ...inv.stats, workerId, attempt: 0, ...(faults ? { faults } : {}) };
    if (inv.ok) {
      const { result } = inv;
      ctx.recordInvocation({
        ...base,
        splitIds: result.splits.map((s) => s.splitId),
        ok: true,
        pid: result.runtime.pid,
        modelLoadMs: result.timings.modelLoadMs,
        timings: result.timings,
        ...(result.dispatch ? { dispatch: result.dispatch } : {}),
      });
      fruitless = 0;
      // A worker that returns normally was told to stop and holds nothing; if not, retry its splits.
      server.workerFailed(workerId, 'its invocation returned while it still held a split');
      return;
    }
    const retryable = inv.error instanceof BackendError ? inv.error.retryable : true;
    if (own.aborted) {
      ctx.recordInvocation({
        ...base,
        splitIds: [],
        ok: false,
        error: 'stopped by the job manager: every split was done',
        retryable: false,
        stopped: true,
      });
      server.workerFailed(workerId, 'stopped after the job finished');
      return;
    }
    ctx.recordInvocation({ ...base, splitIds: [], ok: false, error: inv.error.message, retryable });
    if (signal.aborted) return; // cancelled or stopped: the unfinished splits are closed by the caller
    fruitless = won > 0 ? 0 : fruitless + 1;
    lastFailure = inv.error.message;
    if (inv.error instanceof BackendError) retryAfterMs = Math.max(retryAfterMs, inv.error.retryAfterMs);
    if (!retryable) ctx.stop(inv.error.message);
    server.workerFailed(workerId, messageOf(inv.error));
  }

  try {
    bound = await server.start();
  } catch (err) {
    await server.close();
    throw new UserError(`dispatcher.host: ${messageOf(err)}`, { cause: err });
  }
  try {
    if (ctx.splits.length > 0) {
      launch(planned, 'planned');
      await untilFinishedOrAborted(server, signal);
      await stopLeftoverWorkers(running, server, signal);
    }
  } catch (err) {
    ctx.stop(`internal error: ${messageOf(err)}`);
  } finally {
    await Promise.all([...running.values()].map((w) => w.task));
    await server.close();
    await Promise.all([...writes]);
  }
  return {
    splits: ctx.splits,
    records: splitRecords(server.state),
    workers: planned,
    pipeline,
    dispatcher: log.record(
      { host: dispatch.host, advertiseHost: dispatch.advertiseHost, port: bound.port },
      server.counters,
    ),
  };
}

/** Resolves when every split is done or the job is aborted; rejects if a dispatcher hook threw. */
function untilFinishedOrAborted(server: DispatcherServer, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    const onAbort = (): void => resolve();
    signal.addEventListener('abort', onAbort, { once: true });
    server.whenFinished().then(
      () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}

/**
 * Once every split is done: stops the invocations that never reached the dispatcher (still
 * starting: nothing left for them), gives the others a short while to hear "stop" and return,
 * then stops those that do not (a hung or paused worker).
 */
async function stopLeftoverWorkers(
  running: Map<string, RunningWorker>,
  server: DispatcherServer,
  signal: AbortSignal,
): Promise<void> {
  if (running.size === 0 || signal.aborted) return;
  for (const [workerId, worker] of running) if (!server.state.worker(workerId)) worker.controller.abort();
  const all = Promise.all([...running.values()].map((w) => w.task));
  let timer: NodeJS.Timeout | undefined;
  const grace = new Promise<void>((resolve) => (timer = setTimeout(resolve, FINISH_GRACE_MS)));
  await Promise.race([all, grace]);
  clearTimeout(timer);
  for (const worker of running.values()) worker.controller.abort();
}
