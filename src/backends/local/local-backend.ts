/**
 * The `local` compute backend: each function is a long-lived child process on this machine
 * running the worker handler, as a stand-in for a serverless platform. An invocation goes to an
 * idle process (warm start) or starts a new one (cold start) up to `maxConcurrency`; beyond
 * that it waits in FIFO order. Timeouts and cancellation stop the invocation at once; its
 * process finishes the model run under way in the background (its output discarded), holding
 * its slot meanwhile, and is then idle and warm for the next invocation. A process that has
 * not stopped within the stuck wait (`stuckAfterMs`, the rule of every backend:
 * `protocol/stuck-wait.ts`), a run that never ends, is killed, and a line in the log says so;
 * its processes get the same wait in their environment, for their inference threads. A process
 * that dies fails its invocation and is replaced on demand.
 */
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import type { FunctionCpus } from '../../core/function-cpus.js';
import { BackendError } from '../../errors.js';
import { moduleEntry } from '../../util/module-entry.js';
import { Semaphore } from '../../util/semaphore.js';
import { functionError } from '../../protocol/function-reply.js';
import type { WorkerPayload } from '../../protocol/invocation.js';
import {
  accessToEnv,
  mergeAccess,
  noAccess,
  sameAccess,
  type FunctionAccess,
} from '../../protocol/function-access.js';
import type { ComputeBackend, Invocation, InvocationStats, InvokeOptions } from '../backend.js';
import { invocationStats } from '../invocation-stats.js';
import { stopReason } from '../stop-reason.js';
import { FunctionProcess, type LogSink, type ProcessEntry, type ProcessReply } from './function-process.js';
import { steadyNow } from '../../util/steady-clock.js';
import { DEFAULT_STUCK_AFTER_MS, stuckAfterProblem, stuckAfterToEnv } from '../../protocol/stuck-wait.js';

/** Memory billed per function when none is configured (MB). */
export const LOCAL_DEFAULT_MEMORY_MB = 3008;
/** Longest an invocation may run when neither the backend nor the call sets a timeout. */
export const LOCAL_DEFAULT_TIMEOUT_MS = 15 * 60_000;
/** Longest a new process may take to load the handler and say it is ready. */
export const LOCAL_START_TIMEOUT_MS = 60_000;

/** Settings of the `local` backend: its processes and what they may access, billing memory, timeouts and log. */
export interface LocalBackendOptions {
  /** Processes (and so invocations) at once; default the number of cores. */
  maxConcurrency?: number;
  /** Memory recorded for billing, MB; the local backend does not enforce it. */
  memoryMb?: number;
  /** Default per-invocation timeout; `InvokeOptions.timeoutMs` overrides it. */
  timeoutMs?: number;
  startTimeoutMs?: number;
  /**
   * The stuck wait (ms, default 10 s, `protocol/stuck-wait.ts`'s bounds): a stopped
   * invocation's process that has not ended it (its model run under way included) within it is
   * killed; its inference threads mark a stopped run stuck after it too.
   */
  stuckAfterMs?: number;
  /** The module each process runs; default the worker's child-process entry. */
  entry?: ProcessEntry;
  env?: NodeJS.ProcessEnv;
  /**
   * What the functions may read and dial (their deployment, set in their environment); default
   * nothing but loopback dispatchers. {@link LocalBackend.allowFunctions} widens it.
   */
  access?: FunctionAccess;
  /** Where the processes' stdout and stderr go (never the parent's stdout); default stderr. */
  log?: LogSink;
  /** Cores the processes share; default this machine's. */
  cores?: number;
}

/** A process of the pool, as tests and logs see it. */
export interface ProcessView {
  pid: number | undefined;
  state: FunctionProcess['state'];
  invocationId?: string;
  workerId?: string;
}

/** Functions as child processes on this machine (see the module comment). */
export class LocalBackend implements ComputeBackend {
  readonly name = 'local';
  readonly memoryMb: number;
  readonly maxConcurrency: number;
  /** The processes share this machine's cores. */
  readonly functionCpus: FunctionCpus;
  private readonly timeoutMs: number;
  private readonly startTimeoutMs: number;
  private readonly stuckAfterMs: number;
  private readonly entry: ProcessEntry;
  private readonly env: NodeJS.ProcessEnv | undefined;
  private readonly log: LogSink;
  private readonly pool = new Set<FunctionProcess>();
  private access: FunctionAccess;
  /** Processes of an older generation were started with less access; they are not reused. */
  private generation = 0;
  private readonly generationOf = new WeakMap<FunctionProcess, number>();
  /** One permit per invocation that may run; waiters give up when their caller or `close()` aborts. */
  private readonly slots: Semaphore;
  private readonly closer = new AbortController();

  constructor(options: LocalBackendOptions = {}) {
    this.maxConcurrency = options.maxConcurrency ?? os.availableParallelism();
    if (!Number.isInteger(this.maxConcurrency) || this.maxConcurrency < 1) {
      throw new RangeError(`maxConcurrency must be an integer >= 1, got ${this.maxConcurrency}`);
    }
    this.slots = new Semaphore(this.maxConcurrency);
    this.memoryMb = options.memoryMb ?? LOCAL_DEFAULT_MEMORY_MB;
    this.functionCpus = { kind: 'shared', cores: options.cores ?? os.availableParallelism() };
    this.timeoutMs = options.timeoutMs ?? LOCAL_DEFAULT_TIMEOUT_MS;
    this.startTimeoutMs = options.startTimeoutMs ?? LOCAL_START_TIMEOUT_MS;
    this.stuckAfterMs = options.stuckAfterMs ?? DEFAULT_STUCK_AFTER_MS;
    const stuckAfter = stuckAfterProblem(this.stuckAfterMs);
    if (stuckAfter) throw new RangeError(`stuckAfterMs: ${stuckAfter}`);
    this.entry = options.entry ?? moduleEntry(import.meta.url, '../../worker/entry/child');
    this.env = options.env;
    this.access = options.access ?? noAccess();
    this.log = options.log ?? process.stderr;
  }

  /** Widens what the functions may read and dial; processes started before are not reused. */
  allowFunctions(access: FunctionAccess): void {
    const merged = mergeAccess(this.access, access);
    if (sameAccess(merged, this.access)) return;
    this.access = merged;
    this.generation++;
    for (const p of this.pool) if (p.state === 'idle') p.kill('its settings changed');
  }

  /** The pool's processes now. */
  processes(): ProcessView[] {
    return [...this.pool].map((p) => ({
      pid: p.pid,
      state: p.state,
      ...(p.current
        ? { invocationId: p.current.id, ...(p.current.workerId ? { workerId: p.current.workerId } : {}) }
        : {}),
    }));
  }

  async invoke(payload: WorkerPayload, options: InvokeOptions = {}): Promise<Invocation> {
    const invocationId = randomUUID();
    const submittedAt = steadyNow();
    const fail = (error: BackendError, partial: Partial<InvocationStats> = {}): Invocation => {
      const endedAt = steadyNow();
      const startedAt = partial.startedAt ?? endedAt;
      return {
        ok: false,
        error,
        stats: invocationStats(
          this.memoryMb,
          invocationId,
          submittedAt,
          startedAt,
          endedAt,
          partial.durationMs ?? 0,
          partial.initMs ?? 0,
          partial.cold ?? false,
        ),
      };
    };
    const { signal } = options;
    try {
      await this.slots.acquire(signal ? AbortSignal.any([signal, this.closer.signal]) : this.closer.signal);
    } catch {
      return fail(stopReason(signal, this.closer.signal, undefined));
    }
    let stopping: Promise<void> = Promise.resolve();
    try {
      const admitted = await this.runAdmitted(invocationId, payload, options, submittedAt, fail);
      if (admitted.stopping) stopping = admitted.stopping;
      return admitted.invocation;
    } finally {
      // A stopped invocation's process keeps its slot until it is idle again (or killed).
      void stopping.finally(() => this.slots.release());
    }
  }

  private async runAdmitted(
    invocationId: string,
    payload: WorkerPayload,
    options: InvokeOptions,
    submittedAt: number,
    fail: (error: BackendError, partial?: Partial<InvocationStats>) => Invocation,
  ): Promise<{ invocation: Invocation; stopping?: Promise<void> }> {
    const { signal } = options;
    let proc = [...this.pool].find((p) => p.state === 'idle' && this.generationOf.get(p) === this.generation);
    const cold = !proc;
    let initMs = 0;
    if (!proc) {
      proc = this.spawn();
      const started = await settle(proc.ready, signal);
      if (started.kind === 'aborted') {
        proc.kill('invocation cancelled');
        return { invocation: fail(cancelled(), { cold }) };
      }
      if (started.kind === 'error') return { invocation: fail(asBackendError(started.error), { cold }) };
      initMs = started.value;
    }
    const startedAt = steadyNow();
    const t0 = performance.now();
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    const timeout = AbortSignal.timeout(timeoutMs);
    const stop = signal ? AbortSignal.any([signal, timeout]) : timeout;
    const reply = await settle(proc.run(invocationId, payload), stop);
    const durationMs = performance.now() - t0;
    // A process started with less access than the backend has now is not kept.
    if (this.generationOf.get(proc) !== this.generation) proc.kill('its settings changed');
    const partial = { startedAt, durationMs, initMs, cold };
    if (reply.kind === 'aborted') {
      const timedOut = timeout.aborted && !signal?.aborted;
      const stopped = proc;
      const stopping = stopped
        .stop(
          timedOut
            ? `timed out after ${timeoutMs} ms and did not stop within the stuck wait (${this.stuckAfterMs} ms)`
            : `invocation cancelled and did not stop within the stuck wait (${this.stuckAfterMs} ms)`,
          this.stuckAfterMs,
        )
        // Access widened while it stopped: it is not reused.
        .then(() => {
          if (this.generationOf.get(stopped) !== this.generation) stopped.kill('its settings changed');
        });
      const error = timedOut
        ? new BackendError(`invocation timed out after ${timeoutMs} ms`, true)
        : cancelled();
      return { invocation: fail(error, partial), stopping };
    }
    if (reply.kind === 'error') return { invocation: fail(asBackendError(reply.error), partial) };
    const stats = invocationStats(
      this.memoryMb,
      invocationId,
      submittedAt,
      startedAt,
      steadyNow(),
      durationMs,
      initMs,
      cold,
    );
    return { invocation: toInvocation(reply.value, stats) };
  }

  async close(): Promise<void> {
    this.closer.abort();
    const all = [...this.pool];
    for (const p of all) p.kill('backend closed');
    await Promise.all(all.map((p) => p.exited));
  }

  private spawn(): FunctionProcess {
    const proc = new FunctionProcess(this.entry, {
      env: {
        ...(this.env ?? process.env),
        ...accessToEnv(this.access),
        ...stuckAfterToEnv(this.stuckAfterMs),
      },
      log: this.log,
      startTimeoutMs: this.startTimeoutMs,
    });
    this.pool.add(proc);
    this.generationOf.set(proc, this.generation);
    void proc.exited.then(() => this.pool.delete(proc));
    return proc;
  }
}

function cancelled(): BackendError {
  return new BackendError('invocation cancelled', false);
}

function asBackendError(err: unknown): BackendError {
  if (err instanceof BackendError) return err;
  return new BackendError(err instanceof Error ? err.message : String(err), true, 0, { cause: err });
}

function toInvocation(reply: ProcessReply, stats: InvocationStats): Invocation {
  if (reply.ok) return { ok: true, result: reply.result, stats };
  return { ok: false, error: functionError(reply.error, 'Error', 'the function process'), stats };
}

type Settled<T> = { kind: 'value'; value: T } | { kind: 'error'; error: unknown } | { kind: 'aborted' };

/** Waits for a promise or an abort, whichever comes first; never rejects. */
function settle<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<Settled<T>> {
  const outcome = promise.then(
    (value): Settled<T> => ({ kind: 'value', value }),
    (error: unknown): Settled<T> => ({ kind: 'error', error }),
  );
  if (!signal) return outcome;
  if (signal.aborted) return Promise.resolve({ kind: 'aborted' });
  return new Promise((resolve) => {
    const onAbort = (): void => resolve({ kind: 'aborted' });
    signal.addEventListener('abort', onAbort, { once: true });
    void outcome.then((value) => {
      signal.removeEventListener('abort', onAbort);
      resolve(value);
    });
  });
}
