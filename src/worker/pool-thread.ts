/**
 * The pool's side of one inference thread: posts batches to it, matches each reply to its
 * request by id, and keeps the thread when an invocation is stopped while its model runs.
 *
 * ONNX Runtime's run cannot be interrupted, and terminating a thread inside a run aborts the
 * whole process when the run returns. So a stopped request is *abandoned*: its caller is told at
 * once, the thread finishes the run (or skips the request when it has not started yet) and its
 * late reply is discarded by id, never given to a later request. The thread stays loaded; the
 * next invocation waits for it to become free ({@link PoolThread.whenFree}) instead of loading a
 * second copy of the model.
 */
import type { Worker } from 'node:worker_threads';
import { ModelError } from '../errors.js';
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

interface Waiter {
  resolve: (r: SliceRun) => void;
  reject: (err: Error) => void;
}

/** What a stopped request's caller is told. */
export const STOPPED_RUN_MESSAGE =
  'inference stopped: the invocation ended while the model was running (its output is discarded)';

/** One thread with one session. */
export class PoolThread {
  private readonly waiters = new Map<number, Waiter>();
  /** Requests given up by their callers whose reply has not come back yet. */
  private readonly abandoned = new Set<number>();
  private freed: (() => void)[] = [];
  private nextId = 1;
  private failure: Error | null = null;

  private constructor(
    private readonly worker: Worker,
    readonly info: ModelInfo,
    /**
     * Shared with the thread: [{@link STOP_INDEX}] set to 1 stops it (it runs no more batches and
     * ends once its run returns); the {@link ABANDONED_SLOTS} after it hold abandoned request ids
     * (slot `1 + id % ABANDONED_SLOTS`), which the thread skips if it has not started them.
     */
    private readonly shared: Int32Array,
  ) {
    worker.on('message', (reply: ThreadReply) => this.onReply(reply));
    worker.on('error', (err) => this.fail(new Error(`inference thread failed: ${err.message}`)));
    worker.on('exit', (code) => this.fail(new Error(`inference thread exited (code ${code})`)));
    worker.unref();
  }

  /** Starts a thread that loads `file` into one session; resolves once the model is loaded. */
  static start(file: string, settings: SessionSettings, int8Slot: Int8ProbeSlot): Promise<PoolThread> {
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
          resolve(new PoolThread(worker, reply.info, new Int32Array(stop)));
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

  /** The thread failed, exited or was given up: it runs nothing more. */
  get broken(): boolean {
    return this.failure !== null;
  }

  /** Whether a stopped invocation's run still occupies the thread. */
  get busyWithAbandoned(): boolean {
    return this.abandoned.size > 0;
  }

  /** Resolves once no abandoned run occupies the thread (at once when none does, or it broke). */
  whenFree(): Promise<void> {
    if (!this.busyWithAbandoned || this.broken) return Promise.resolve();
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
    if (this.failure) return Promise.reject(this.failure);
    if (signal?.aborted) return Promise.reject(signal.reason as Error);
    const id = this.nextId++;
    const request: ThreadRequest = { id, batch, count, imageShape, output };
    return new Promise((resolve, reject) => {
      const abandon = (): void => this.abandon(id);
      signal?.addEventListener('abort', abandon, { once: true });
      const done = (): void => signal?.removeEventListener('abort', abandon);
      this.waiters.set(id, {
        resolve: (r) => (done(), resolve(r)),
        reject: (err) => (done(), reject(err)),
      });
      if (this.waiters.size === 1) this.worker.ref();
      this.worker.postMessage(request, [batch.buffer as ArrayBuffer]);
    });
  }

  /**
   * Gives request `id` up (its invocation was stopped): its caller fails at once, and its reply,
   * when it comes, is discarded. The thread skips the request if it has not started it.
   */
  private abandon(id: number): void {
    const waiter = this.settle(id);
    if (!waiter) return;
    this.abandoned.add(id);
    Atomics.store(this.shared, 1 + (id % ABANDONED_SLOTS), id);
    waiter.reject(new Error(STOPPED_RUN_MESSAGE));
  }

  private settle(id: number): Waiter | undefined {
    const waiter = this.waiters.get(id);
    this.waiters.delete(id);
    if (this.waiters.size === 0) this.worker.unref();
    return waiter;
  }

  private onReply(reply: ThreadReply): void {
    if (reply.type !== 'result' && reply.type !== 'run-failed' && reply.type !== 'skipped') return;
    if (this.abandoned.delete(reply.id)) {
      // A stopped invocation's output: recycled, never handed to anyone.
      if (reply.type !== 'run-failed') batchBuffers.give(reply.input.buffer as ArrayBuffer);
      if (this.abandoned.size === 0) this.wakeFreeWaiters();
      return;
    }
    const waiter = this.settle(reply.id);
    if (reply.type === 'result') waiter?.resolve(reply);
    else waiter?.reject(new Error(reply.type === 'run-failed' ? reply.message : 'inference skipped'));
  }

  private wakeFreeWaiters(): void {
    const woken = this.freed;
    this.freed = [];
    for (const wake of woken) wake();
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const id of [...this.waiters.keys()]) this.settle(id)?.reject(this.failure);
    this.wakeFreeWaiters();
  }

  /**
   * Stops the thread: at once when idle, else (a run in progress, its own or an abandoned one)
   * when that run returns. `reason` is what later callers are told.
   */
  async close(reason = 'inference thread closed'): Promise<void> {
    const running =
      this.waiters.size > 0 || this.abandoned.size > 0 || Atomics.load(this.shared, STOP_INDEX) === 1;
    Atomics.store(this.shared, STOP_INDEX, 1);
    this.fail(new Error(reason));
    if (!running) await this.worker.terminate();
  }
}
