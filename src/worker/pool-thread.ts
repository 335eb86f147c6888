/**
 * The pool's side of one inference thread: posts batches to it one at a time (the others wait
 * here, with their buffers, so that they can go to another thread), matches each reply to its
 * request by id, and keeps the thread when an invocation is stopped while its model runs.
 *
 * ONNX Runtime's run cannot be interrupted, and terminating a thread inside a run aborts the
 * whole process when the run returns. So a stopped request is *abandoned*: its caller is told at
 * once, the thread finishes the run (or skips the request when it has not started yet) and its
 * late reply is discarded by id, never given to a later request. The thread stays loaded; the
 * next invocation waits for it to become free ({@link PoolThread.whenFree}) instead of loading a
 * second copy of the model. A run that goes on `stuckAfterMs` after it was abandoned marks the
 * thread *stuck*: it is told to stop (it ends once its run returns) and hands the requests
 * queued behind it to its pool ({@link PoolThread.onStuck}).
 */
import type { Worker } from 'node:worker_threads';
import { ModelError } from '../errors.js';
import { steadyNow } from '../util/steady-clock.js';
import { batchBuffers } from './batch-buffers.js';
import { ABANDONED_SLOTS, STOP_INDEX, type ThreadReply, type ThreadRequest } from './inference-protocol.js';
import { releaseInt8Probe, type Int8ProbeSlot } from './int8-probe-slot.js';
import type { ModelInfo, SessionSettings } from './session.js';
import { startThread } from './start-thread.js';
import type { InputBatch } from './tensor.js';

/** One thread's part of a batch, run: its output, its run time, and its input handed back. */
export interface SliceRun {
  logits: Float32Array;
  runMs: number;
  input: InputBatch;
}

/** A request waiting for its thread, or running in it. */
export interface PendingRun {
  readonly request: ThreadRequest;
  resolve: (r: SliceRun) => void;
  reject: (err: Error) => void;
  /** Where it waits or runs: a thread (a stuck one's queue moves to another), or its pool. */
  owner: RunHolder;
}

/** What holds a request: it gives it up when its invocation is stopped. */
export interface RunHolder {
  abandon(pending: PendingRun): void;
}

/** What a stopped request's caller is told. */
export const STOPPED_RUN_MESSAGE =
  'inference stopped: the invocation ended while the model was running (its output is discarded)';

/** Request ids, unique in the process: a request may move from one thread to another. */
let nextRequestId = 1;

/** How a thread is started: its model, session settings and when a stopped run makes it stuck. */
export interface ThreadOptions {
  file: string;
  settings: SessionSettings;
  int8Slot: Int8ProbeSlot;
  stuckAfterMs: number;
}

/** One thread with one session. */
export class PoolThread implements RunHolder {
  private readonly queue: PendingRun[] = [];
  /** The request posted to the thread, whose reply has not come yet. */
  private inFlight: PendingRun | null = null;
  /** Set when the request in flight was abandoned: since when, and the timer that marks it stuck. */
  private abandonedRun: { since: number; timer: NodeJS.Timeout } | null = null;
  private freed: (() => void)[] = [];
  private failure: Error | null = null;
  private stuckAt: number | null = null;
  /**
   * Called once when the thread is marked stuck, with the requests queued behind its run (none
   * of them posted: their buffers are still here) and how long the run had gone on.
   */
  onStuck: (queued: PendingRun[], runMs: number) => void = (queued) => {
    for (const p of queued) p.reject(new Error('inference thread stuck'));
  };
  /** Resolves when the thread has ended. */
  readonly ended: Promise<void>;

  private constructor(
    private readonly worker: Worker,
    readonly info: ModelInfo,
    /**
     * Shared with the thread: [{@link STOP_INDEX}] set to 1 stops it (it runs no more batches and
     * ends once its run returns); the {@link ABANDONED_SLOTS} after it hold abandoned request ids
     * (slot `1 + id % ABANDONED_SLOTS`), which the thread skips if it has not started them.
     */
    private readonly shared: Int32Array,
    readonly loadMs: number,
    private readonly stuckAfterMs: number,
  ) {
    worker.on('message', (reply: ThreadReply) => this.onReply(reply));
    worker.on('error', (err) => this.fail(new Error(`inference thread failed: ${err.message}`)));
    this.ended = new Promise((resolve) =>
      worker.on('exit', (code) => {
        this.fail(new Error(`inference thread exited (code ${code})`));
        resolve();
      }),
    );
    worker.unref();
  }

  /** Starts a thread that loads the model into one session; resolves once it is loaded. */
  static start({ file, settings, int8Slot, stuckAfterMs }: ThreadOptions): Promise<PoolThread> {
    const started = performance.now();
    const stop = new SharedArrayBuffer(4 * (1 + ABANDONED_SLOTS));
    const worker = startThread(import.meta.url, './inference-thread', { file, settings, int8Slot, stop });
    const id = worker.threadId;
    worker.once('exit', () => releaseInt8Probe(int8Slot, id));
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void =>
        reject(new Error(`inference thread failed to start: ${err.message}`));
      // A thread that ends before it answers would otherwise leave the pool waiting for ever.
      const onExit = (code: number): void =>
        reject(new Error(`inference thread exited (code ${code}) before its model loaded`));
      worker.once('error', onError);
      worker.once('exit', onExit);
      worker.once('message', (reply: ThreadReply) => {
        worker.off('error', onError);
        worker.off('exit', onExit);
        if (reply.type === 'ready') {
          const shared = new Int32Array(stop);
          resolve(new PoolThread(worker, reply.info, shared, performance.now() - started, stuckAfterMs));
          return;
        }
        void worker.terminate();
        const message = reply.type === 'load-failed' ? reply.message : `unexpected reply '${reply.type}'`;
        reject(
          reply.type === 'load-failed' && reply.modelError ? new ModelError(message) : new Error(message),
        );
      });
    });
  }

  /** The thread failed, exited or was closed: it runs nothing more. */
  get broken(): boolean {
    return this.failure !== null && this.stuckAt === null;
  }

  /** A stopped invocation's run outlasted the wait: the thread runs nothing more. */
  get stuck(): boolean {
    return this.stuckAt !== null;
  }

  /** Whether a stopped invocation's run still occupies the thread (a thread that ran on). */
  get busyWithAbandoned(): boolean {
    return this.abandonedRun !== null && this.failure === null;
  }

  /** Requests queued or running: the pool sends a batch to the thread with the fewest. */
  get load(): number {
    return this.queue.length + (this.inFlight ? 1 : 0);
  }

  /**
   * Resolves once no abandoned run occupies the thread, or it was marked stuck (at once when
   * none does, or it broke).
   */
  whenFree(): Promise<void> {
    if (!this.busyWithAbandoned || this.failure) return Promise.resolve();
    return new Promise((resolve) => this.freed.push(resolve));
  }

  /**
   * Runs `count` inputs of `imageShape` (`batch`, whose buffer is handed to the thread) and
   * returns output `output`. When `signal` aborts first, it rejects at once and the request is
   * abandoned (see {@link PoolThread.abandon}).
   */
  run(
    batch: InputBatch,
    count: number,
    imageShape: readonly number[],
    output: string,
    signal?: AbortSignal,
  ): Promise<SliceRun> {
    if (signal?.aborted) return Promise.reject(signal.reason as Error);
    const request: ThreadRequest = { id: nextRequestId++, batch, count, imageShape, output };
    return new Promise((resolve, reject) => {
      const pending: PendingRun = {
        request,
        owner: this,
        resolve: (r) => (done(), resolve(r)),
        reject: (err) => (done(), reject(err)),
      };
      const abandon = (): void => pending.owner.abandon(pending);
      signal?.addEventListener('abort', abandon, { once: true });
      const done = (): void => signal?.removeEventListener('abort', abandon);
      this.take(pending);
    });
  }

  /** Queues `pending` (a new request, or one a stuck thread handed over). */
  take(pending: PendingRun): void {
    if (this.failure) return pending.reject(this.failure);
    pending.owner = this;
    this.queue.push(pending);
    this.pump();
  }

  /** Posts the next queued request when none is in flight. */
  private pump(): void {
    if (this.failure || this.inFlight) return;
    const next = this.queue.shift();
    if (!next) return this.worker.unref();
    this.inFlight = next;
    this.worker.ref();
    this.worker.postMessage(next.request, [next.request.batch.buffer as ArrayBuffer]);
  }

  /**
   * Gives `pending` up (its invocation was stopped): its caller fails at once. Queued, it is
   * dropped here; in flight, its reply is discarded when it comes (the thread skips it if it
   * has not started it), and a run that goes on `stuckAfterMs` marks the thread stuck.
   */
  abandon(pending: PendingRun): void {
    const at = this.queue.indexOf(pending);
    if (at >= 0) {
      this.queue.splice(at, 1);
      batchBuffers.give(pending.request.batch.buffer as ArrayBuffer);
    } else if (this.inFlight === pending) {
      const { id } = pending.request;
      Atomics.store(this.shared, 1 + (id % ABANDONED_SLOTS), id);
      const since = steadyNow();
      // Not unref'd: a process that ended while a thread is inside a run would abort.
      const timer = setTimeout(() => this.markStuck(since), this.stuckAfterMs);
      this.abandonedRun = { since, timer };
      if (this.queue.length === 0) this.worker.unref();
    } else return;
    pending.reject(new Error(STOPPED_RUN_MESSAGE));
  }

  private onReply(reply: ThreadReply): void {
    if (reply.type !== 'result' && reply.type !== 'run-failed' && reply.type !== 'skipped') return;
    const pending = this.inFlight;
    if (pending?.request.id !== reply.id) return;
    this.inFlight = null;
    if (this.abandonedRun) {
      // A stopped invocation's output: recycled, never handed to anyone.
      clearTimeout(this.abandonedRun.timer);
      this.abandonedRun = null;
      if (reply.type !== 'run-failed') batchBuffers.give(reply.input.buffer as ArrayBuffer);
      this.wakeFreeWaiters();
    } else if (reply.type === 'result') pending.resolve(reply);
    else pending.reject(new Error(reply.type === 'run-failed' ? reply.message : 'inference skipped'));
    this.pump();
  }

  /** The abandoned run outlasted the wait: no more runs here; the queue goes to the pool. */
  private markStuck(since: number): void {
    if (this.failure || !this.abandonedRun) return;
    this.stuckAt = steadyNow();
    Atomics.store(this.shared, STOP_INDEX, 1);
    const queued = this.queue.splice(0);
    this.failure = new Error("inference thread stuck in a stopped invocation's run");
    this.worker.unref();
    this.wakeFreeWaiters();
    this.onStuck(queued, this.stuckAt - since);
  }

  private wakeFreeWaiters(): void {
    const woken = this.freed;
    this.freed = [];
    for (const wake of woken) wake();
  }

  private fail(err: Error): void {
    this.failure ??= err;
    const failed = [...this.queue.splice(0), ...(this.inFlight && !this.abandonedRun ? [this.inFlight] : [])];
    if (!this.abandonedRun) this.inFlight = null;
    for (const p of failed) p.reject(this.failure);
    this.wakeFreeWaiters();
  }

  /**
   * Stops the thread: at once when idle, else (a run in progress, its own or an abandoned one)
   * when that run returns. `reason` is what later callers are told.
   */
  async close(reason = 'inference thread closed'): Promise<void> {
    const running = this.inFlight !== null || Atomics.load(this.shared, STOP_INDEX) === 1;
    Atomics.store(this.shared, STOP_INDEX, 1);
    if (this.abandonedRun) clearTimeout(this.abandonedRun.timer);
    this.fail(new Error(reason));
    if (!running) await this.worker.terminate();
  }
}
