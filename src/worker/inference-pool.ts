/**
 * The predict stage's engine: `replicas` inference threads, each with its own ONNX Runtime
 * session, kept for the life of the process so that warm invocations skip the model load.
 * A batch is cut into one contiguous slice per replica; the slices run at the same time.
 */
import type { Worker } from 'node:worker_threads';
import { ModelError } from '../errors.js';
import type { ThreadReply, ThreadRequest } from './inference-protocol.js';
import { batchBuffers } from './batch-buffers.js';
import type { ModelInfo, SessionSettings } from './session.js';
import { startThread } from './start-thread.js';
import { int8ProbeRunsIn, newInt8ProbeSlot, releaseInt8Probe } from './int8-probe-slot.js';
import type { InputBatch } from './tensor.js';

/** Threading of the predict stage. */
export interface PoolSettings extends SessionSettings {
  /** Concurrent sessions, each in its own thread, each taking a slice of every batch. */
  replicas: number;
}

/**
 * One output of one batch, `count x classes` values (a classifier's logits, or any output
 * flattened per input), and the time the sessions spent on it.
 */
export interface Prediction {
  logits: Float32Array;
  /** Values per input. */
  classes: number;
  /** Session run time summed over the replicas that took part. */
  busyMs: number;
}

/** One thread's part of a batch, run: its output, its run time, and its input handed back. */
interface SliceRun {
  logits: Float32Array;
  runMs: number;
  input: InputBatch;
}

interface Waiter {
  resolve: (r: SliceRun) => void;
  reject: (err: Error) => void;
}

/** The int8 probe's answer, shared by every inference thread of this process: measured once. */
const int8Slot = newInt8ProbeSlot();

/** How many times this process's inference threads have measured the int8 probe (0 or 1). */
export function int8ProbeRuns(): number {
  return int8ProbeRunsIn(int8Slot);
}

/** One thread with one session. */
class InferenceThread {
  private readonly waiters = new Map<number, Waiter>();
  private nextId = 1;
  private failure: Error | null = null;

  private constructor(
    private readonly worker: Worker,
    readonly info: ModelInfo,
    /** Set to 1 to stop the thread: it runs no more batches and ends once its run returns. */
    private readonly stopFlag: Int32Array,
  ) {
    worker.on('message', (reply: ThreadReply) => this.onReply(reply));
    worker.on('error', (err) => this.fail(new Error(`inference thread failed: ${err.message}`)));
    worker.on('exit', (code) => this.fail(new Error(`inference thread exited (code ${code})`)));
    worker.unref();
  }

  static start(file: string, settings: SessionSettings): Promise<InferenceThread> {
    const stop = new SharedArrayBuffer(4);
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
          resolve(new InferenceThread(worker, reply.info, new Int32Array(stop)));
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

  get broken(): boolean {
    return this.failure !== null;
  }

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
      const abandon = (): void => this.abandon();
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
   * Gives the thread up while its session runs (the invocation was stopped: a graph that does
   * not end, or a deadline): its batches fail at once and the pool counts as broken, so the next
   * invocation loads the model in new threads. ONNX Runtime's run cannot be interrupted from
   * outside, and terminating a thread inside a run aborts the whole process when the run
   * returns, so the thread is told to stop and ends by itself once its run returns.
   */
  private abandon(): void {
    Atomics.store(this.stopFlag, 0, 1);
    this.fail(new Error('inference stopped: the invocation ended while the model was running'));
  }

  private settle(id: number): Waiter | undefined {
    const waiter = this.waiters.get(id);
    this.waiters.delete(id);
    if (this.waiters.size === 0) this.worker.unref();
    return waiter;
  }

  private onReply(reply: ThreadReply): void {
    if (reply.type === 'result') this.settle(reply.id)?.resolve(reply);
    else if (reply.type === 'run-failed') this.settle(reply.id)?.reject(new Error(reply.message));
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const id of [...this.waiters.keys()]) this.settle(id)?.reject(this.failure);
  }

  /** Stops the thread: at once when idle, else (a run in progress) when its run returns. */
  async close(): Promise<void> {
    const running = this.waiters.size > 0 || Atomics.load(this.stopFlag, 0) === 1;
    Atomics.store(this.stopFlag, 0, 1);
    this.fail(new Error('inference thread closed'));
    if (!running) await this.worker.terminate();
  }
}

/** `replicas` inference threads on one model. */
export class InferencePool {
  private constructor(
    private readonly threads: InferenceThread[],
    readonly info: ModelInfo,
    /** Time it took to start the threads and load the sessions. */
    readonly loadMs: number,
  ) {}

  static async open(file: string, settings: PoolSettings): Promise<InferencePool> {
    const started = performance.now();
    const results = await Promise.allSettled(
      Array.from({ length: settings.replicas }, () => InferenceThread.start(file, settings)),
    );
    const threads = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      await Promise.all(threads.map((t) => t.close()));
      throw failed.reason;
    }
    const info = (threads[0] as InferenceThread).info;
    return new InferencePool(threads, info, performance.now() - started);
  }

  get broken(): boolean {
    return this.threads.some((t) => t.broken);
  }

  /**
   * Runs `count` images of `imageShape` each (in `batch`, whose buffer is handed over) and
   * returns output `output` (default: the model's first) for them, in the same order. When
   * `signal` aborts first, the threads running it are given up (the pool is then broken).
   */
  async predict(
    batch: InputBatch,
    count: number,
    imageShape: readonly number[],
    output = this.info.outputName,
    signal?: AbortSignal,
  ): Promise<Prediction> {
    const perImage = batch.length / count;
    const slices = sliceCounts(count, this.threads.length);
    // The first slice is a view of the batch, whose buffer goes to the first thread; the others
    // are copied out before that hand-over. (ONNX Runtime does not take a SharedArrayBuffer.)
    let start = 0;
    const parts = slices.map((n, r) => {
      const [from, to] = [start * perImage, (start + n) * perImage];
      start += n;
      return r === 0 ? batch.subarray(from, to) : copyOf(batch.subarray(from, to));
    });
    const runs = parts.map((part, r) =>
      (this.threads[r] as InferenceThread).run(part, slices[r] as number, imageShape, output, signal),
    );
    const outputs = await Promise.all(runs);
    for (const o of outputs) batchBuffers.give(o.input.buffer as ArrayBuffer);
    const total = outputs.reduce((a, o) => a + o.logits.length, 0);
    if (total % count !== 0) throw new Error(`model returned ${total} values for ${count} images`);
    const logits =
      outputs.length === 1 ? (outputs[0] as { logits: Float32Array }).logits : new Float32Array(total);
    if (outputs.length > 1) {
      let at = 0;
      for (const o of outputs) {
        logits.set(o.logits, at);
        at += o.logits.length;
      }
    }
    return { logits, classes: total / count, busyMs: outputs.reduce((a, o) => a + o.runMs, 0) };
  }

  async close(): Promise<void> {
    await Promise.all(this.threads.map((t) => t.close()));
  }
}

/** A copy of `part` in a recycled buffer. */
function copyOf(part: InputBatch): InputBatch {
  const buffer = batchBuffers.take(part.byteLength);
  const copy = part instanceof Uint8Array ? new Uint8Array(buffer) : new Float32Array(buffer);
  copy.set(part);
  return copy;
}

/** `count` items cut into at most `parts` contiguous, near-equal, non-empty slices. */
export function sliceCounts(count: number, parts: number): number[] {
  const n = Math.max(1, Math.min(parts, count));
  const base = Math.floor(count / n);
  const extra = count % n;
  return Array.from({ length: n }, (_, i) => base + (i < extra ? 1 : 0));
}

const pools = new Map<string, Promise<InferencePool>>();

function poolKey(file: string, s: PoolSettings): string {
  return JSON.stringify([file, s.intraOpThreads, s.interOpThreads, s.replicas, s.spinning ?? false]);
}

/**
 * The process-wide pool for this model and settings, opened on first use. `cold` says whether
 * this call had to open it (a failed or broken pool is opened again).
 */
export async function acquireInferencePool(
  file: string,
  settings: PoolSettings,
): Promise<{ pool: InferencePool; cold: boolean }> {
  const key = poolKey(file, settings);
  const existing = pools.get(key);
  if (existing) {
    const pool = await existing;
    if (!pool.broken) return { pool, cold: false };
    pools.delete(key);
    void pool.close();
  }
  const opening = InferencePool.open(file, settings);
  pools.set(key, opening);
  opening.catch(() => pools.delete(key));
  return { pool: await opening, cold: true };
}

/** Closes every cached pool (tests, and a clean shutdown). */
export async function closeInferencePools(): Promise<void> {
  const all = [...pools.values()];
  pools.clear();
  batchBuffers.clear();
  await Promise.all(all.map(async (p) => (await p.catch(() => null))?.close()));
}

/** Whether this process already holds an inference pool (a warm worker). */
export function hasWarmPool(): boolean {
  return pools.size > 0;
}
