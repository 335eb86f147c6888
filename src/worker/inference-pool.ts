/**
 * The predict stage's engine: `replicas` inference threads, each with its own ONNX Runtime
 * session, kept for the life of the process so that warm invocations skip the model load.
 * A batch is cut into one contiguous slice per replica; the slices run at the same time.
 */
import { batchBuffers } from './batch-buffers.js';
import { STOPPED_RUN_WAIT_MS } from './defaults.js';
import type { ModelInfo, SessionSettings } from './session.js';
import { int8ProbeRunsIn, newInt8ProbeSlot } from './int8-probe-slot.js';
import { PoolThread } from './pool-thread.js';
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

/** The int8 probe's answer, shared by every inference thread of this process: measured once. */
const int8Slot = newInt8ProbeSlot();

/** How many times this process's inference threads have measured the int8 probe (0 or 1). */
export function int8ProbeRuns(): number {
  return int8ProbeRunsIn(int8Slot);
}

/** `replicas` inference threads on one model. */
export class InferencePool {
  private constructor(
    private readonly threads: PoolThread[],
    readonly info: ModelInfo,
    /** Time it took to start the threads and load the sessions. */
    readonly loadMs: number,
  ) {}

  static async open(file: string, settings: PoolSettings): Promise<InferencePool> {
    const started = performance.now();
    const results = await Promise.allSettled(
      Array.from({ length: settings.replicas }, () => PoolThread.start(file, settings, int8Slot)),
    );
    const threads = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      await Promise.all(threads.map((t) => t.close()));
      throw failed.reason;
    }
    const info = (threads[0] as PoolThread).info;
    return new InferencePool(threads, info, performance.now() - started);
  }

  get broken(): boolean {
    return this.threads.some((t) => t.broken);
  }

  /** Whether a stopped invocation's run still occupies one of the threads. */
  get busyWithAbandoned(): boolean {
    return this.threads.some((t) => t.busyWithAbandoned);
  }

  /**
   * Waits until no stopped invocation's run occupies a thread, at most `waitMs` (default: no
   * bound): true when the threads are free (or one broke), false when a run was still going at
   * the bound.
   */
  async whenFree(waitMs?: number): Promise<boolean> {
    if (!this.busyWithAbandoned) return true;
    const free = Promise.all(this.threads.map((t) => t.whenFree())).then(() => true as const);
    if (waitMs === undefined) return free;
    let timer: NodeJS.Timeout | undefined;
    // Not unref'd: a process that ended while a thread is inside a run would abort.
    const bound = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), waitMs);
    });
    try {
      return await Promise.race([free, bound]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Runs `count` images of `imageShape` each (in `batch`, whose buffer is handed over) and
   * returns output `output` (default: the model's first) for them, in the same order. When
   * `signal` aborts first, it rejects at once; the threads finish (or skip) their part in the
   * background, discard it, and stay loaded for the next batch.
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
      (this.threads[r] as PoolThread).run(part, slices[r] as number, imageShape, output, signal),
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

  /** Stops the threads (one still running ends once its run returns); `reason` fails new runs. */
  async close(reason?: string): Promise<void> {
    await Promise.all(this.threads.map((t) => t.close(reason)));
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

/** What a stopped invocation's run that outlasted the wait is told (its threads end after it). */
const OUTLASTED =
  "inference thread given up: a stopped invocation's run did not end in time, the model was loaded again";

/**
 * The process-wide pool for this model and settings, opened on first use. `cold` says whether
 * this call had to open it (a failed or broken pool is opened again). A pool still running a
 * stopped invocation's batch is waited for, at most `waitMs`: a run that outlasts that (a graph
 * that never returns) is left to end by itself, its threads with it, and the model is loaded
 * again in new threads.
 */
export async function acquireInferencePool(
  file: string,
  settings: PoolSettings,
  waitMs = STOPPED_RUN_WAIT_MS,
): Promise<{ pool: InferencePool; cold: boolean }> {
  const key = poolKey(file, settings);
  let existing = pools.get(key);
  while (existing) {
    const pool = await existing;
    const usable = !pool.broken && (await pool.whenFree(waitMs)) && !pool.broken;
    if (usable) return { pool, cold: false };
    // Another caller waiting on the same pool may have replaced it already.
    if (pools.get(key) === existing) {
      pools.delete(key);
      void pool.close(OUTLASTED);
      break;
    }
    existing = pools.get(key);
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

/**
 * Resolves once no stopped invocation's run occupies any pool's threads (a run that never ends
 * keeps it waiting: the caller bounds the wait).
 */
export async function whenInferencePoolsFree(): Promise<void> {
  const all = await Promise.all([...pools.values()].map((p) => p.catch(() => null)));
  await Promise.all(all.map((p) => p?.whenFree()));
}

/** Whether this process already holds an inference pool (a warm worker). */
export function hasWarmPool(): boolean {
  return pools.size > 0;
}
