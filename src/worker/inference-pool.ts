/**
 * The predict stage's engine: `replicas` inference threads, each with its own ONNX Runtime
 * session, kept for the life of the process so that warm invocations skip the model load.
 * A batch is cut into one contiguous slice per thread; the slices run at the same time.
 */
import fs from 'node:fs/promises';
import { FunctionUnhealthyError, messageOf } from '../errors.js';
import { batchBuffers } from './batch-buffers.js';
import {
  coresAllow,
  holdStuckCores,
  memoryAllows,
  noCoresReason,
  noMemoryReason,
  refuseService,
  reportStuckThread,
  type StuckOutcome,
} from './function-health.js';
import type { ModelInfo, SessionSettings } from './session.js';
import { int8ProbeRunsIn, newInt8ProbeSlot } from './int8-probe-slot.js';
import { ThreadMemory } from './thread-memory.js';
import {
  PoolThread,
  STOPPED_RUN_MESSAGE,
  type PendingRun,
  type RunHolder,
  type ThreadOptions,
} from './pool-thread.js';
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

/** Where a pool comes from: the model file, its threading, when a stopped run makes a thread stuck. */
interface PoolSource {
  file: string;
  settings: PoolSettings;
  stuckAfterMs: number;
}

/**
 * `replicas` inference threads on one model. A thread marked stuck (a stopped invocation's run
 * outlasted the wait) leaves the pool: the batches queued behind it go to its other threads,
 * and a new thread takes its place when the cores allow (the stuck threads' and this pool's
 * threads with the new one, intra-op threads each) and the memory does (what the process uses,
 * the stuck thread's model included, and about one more thread: `thread-memory.ts`); with no
 * thread left and none coming, its batches fail with {@link FunctionUnhealthyError}.
 */
export class InferencePool implements RunHolder {
  /** A thread loading in place of a stuck one. */
  private replacing: Promise<PoolThread | null> | null = null;
  /** Batches handed over by a stuck thread, waiting for the thread replacing it. */
  private orphans: PendingRun[] = [];
  private cannotServe: FunctionUnhealthyError | null = null;
  /** Threads loaded in place of stuck ones that no acquire has reported yet. */
  private unreportedLoads = 0;
  /** Why the last stuck thread got no replacement (no cores, or no memory). */
  private noReplacement: string | null = null;

  private constructor(
    private readonly source: PoolSource,
    private readonly threads: PoolThread[],
    readonly info: ModelInfo,
    /** Time it took to start the threads and load the sessions (the last load: a replacement's). */
    public loadMs: number,
    /** About the memory one of its threads takes. */
    private readonly threadMemory: ThreadMemory,
  ) {
    threadMemory.threadsStarted(threads.length);
    for (const t of threads) this.watch(t);
  }

  static async open(source: PoolSource): Promise<InferencePool> {
    const { file, settings } = source;
    const cores = settings.intraOpThreads * settings.replicas;
    if (!coresAllow(cores)) throw new FunctionUnhealthyError(noCoresReason(file, cores));
    // A file that cannot be read is the thread's load to report, with its own error.
    const fileBytes = await fs.stat(file).then(
      (stat) => stat.size,
      () => 0,
    );
    if (!memoryAllows(fileBytes * settings.replicas))
      throw new FunctionUnhealthyError(noMemoryReason(file, fileBytes * settings.replicas));
    const threadMemory = new ThreadMemory(fileBytes);
    const started = performance.now();
    const results = await Promise.allSettled(
      Array.from({ length: settings.replicas }, () => PoolThread.start(threadOptions(source))),
    );
    const threads = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      await Promise.all(threads.map((t) => t.close()));
      throw failed.reason;
    }
    const info = (threads[0] as PoolThread).info;
    return new InferencePool(source, threads, info, performance.now() - started, threadMemory);
  }

  /** Why no thread can be added beside `live` ones now (no cores, else no memory), or null. */
  private replacementRefusal(live: number): string | null {
    const { file, settings } = this.source;
    const cores = (live + 1) * settings.intraOpThreads;
    if (!coresAllow(cores)) return noCoresReason(file, settings.intraOpThreads);
    const bytes = this.threadMemory.bytes;
    if (!memoryAllows(bytes)) return noMemoryReason(file, bytes);
    return null;
  }

  get broken(): boolean {
    return this.threads.some((t) => t.broken);
  }

  /** Why this pool cannot run batches (no thread left, no cores for a new one), or null. */
  get unhealthy(): FunctionUnhealthyError | null {
    return this.cannotServe;
  }

  /** Whether a stopped invocation's run still occupies one of the threads (stuck ones left). */
  get busyWithAbandoned(): boolean {
    return this.threads.some((t) => t.busyWithAbandoned);
  }

  /** Threads loaded in place of stuck ones since the last call (an acquire reports them as a load). */
  takeReplacements(): number {
    const n = this.unreportedLoads;
    this.unreportedLoads = 0;
    return n;
  }

  /**
   * Resolves once no stopped invocation's run occupies a thread: each ended, or outlasted the
   * wait and its thread was replaced (or could not be).
   */
  async whenFree(): Promise<void> {
    while (this.busyWithAbandoned || this.replacing) {
      await Promise.all([...this.threads.map((t) => t.whenFree()), this.replacing]);
    }
  }

  private watch(thread: PoolThread): void {
    thread.onStuck = (queued, runMs) => this.onStuck(thread, queued, runMs);
  }

  private onStuck(thread: PoolThread, queued: PendingRun[], runMs: number): void {
    const { file, settings } = this.source;
    const cores = settings.intraOpThreads;
    const at = this.threads.indexOf(thread);
    if (at >= 0) this.threads.splice(at, 1);
    void thread.ended.then(holdStuckCores(cores));
    this.noReplacement = this.replacementRefusal(this.threads.length);
    const replacing = this.noReplacement === null;
    if (replacing) this.startReplacing();
    const outcome: StuckOutcome = replacing
      ? 'replaced'
      : this.threads.length > 0 || this.replacing
        ? 'rerouted'
        : 'cannot-serve';
    // To the other threads now, else to the new one once loaded, else refused.
    for (const p of queued) p.owner = this;
    this.orphans.push(...queued);
    this.handOrphans();
    reportStuckThread({ file, runMs, cores, outcome });
  }

  /** An orphan's invocation was stopped while it waited for a thread: it is dropped. */
  abandon(pending: PendingRun): void {
    const at = this.orphans.indexOf(pending);
    if (at < 0) return;
    this.orphans.splice(at, 1);
    batchBuffers.give(pending.request.batch.buffer as ArrayBuffer);
    pending.reject(new Error(STOPPED_RUN_MESSAGE));
  }

  /** Loads threads in place of the stuck ones while the cores allow (one load at a time). */
  private startReplacing(): void {
    if (this.replacing) return;
    const replacing = this.replace().finally(() => {
      if (this.replacing === replacing) this.replacing = null;
      this.handOrphans();
    });
    this.replacing = replacing;
  }

  private async replace(): Promise<PoolThread | null> {
    const { replicas } = this.source.settings;
    let last: PoolThread | null = null;
    while (!this.cannotServe && this.threads.length < replicas) {
      this.noReplacement = this.replacementRefusal(this.threads.length);
      if (this.noReplacement) break;
      try {
        last = await PoolThread.start(threadOptions(this.source));
      } catch (err) {
        this.cannotServeFor(`no inference thread could replace a stuck one: ${messageOf(err)}`);
        break;
      }
      this.threadMemory.threadsStarted(1);
      this.watch(last);
      this.threads.push(last);
      this.loadMs = last.loadMs;
      this.unreportedLoads++;
      this.handOrphans();
    }
    return last;
  }

  /** Gives the orphans to the least loaded threads, or fails them when none is left or coming. */
  private handOrphans(): void {
    if (this.threads.length > 0) {
      for (const p of this.orphans.splice(0)) leastLoaded(this.threads).take(p);
    } else if (!this.replacing) {
      const { file, settings } = this.source;
      this.cannotServeFor(this.noReplacement ?? noCoresReason(file, settings.intraOpThreads));
    }
  }

  /** No thread is left and none can come: the function cannot serve this model. */
  private cannotServeFor(reason: string): void {
    refuseService(reason);
    this.refuse(new FunctionUnhealthyError(reason));
  }

  /** Fails the orphans, and every later batch, with `err`. */
  private refuse(err: FunctionUnhealthyError): void {
    this.cannotServe ??= err;
    for (const p of this.orphans.splice(0)) {
      batchBuffers.give(p.request.batch.buffer as ArrayBuffer);
      p.reject(this.cannotServe);
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
    if (this.threads.length === 0 && this.replacing) await this.replacing;
    if (this.threads.length === 0)
      throw this.cannotServe ?? new FunctionUnhealthyError('no inference thread');
    const threads = [...this.threads];
    const perImage = batch.length / count;
    const slices = sliceCounts(count, threads.length);
    // The first slice is a view of the batch, whose buffer goes to the first thread; the others
    // are copied out before that hand-over. (ONNX Runtime does not take a SharedArrayBuffer.)
    let start = 0;
    const parts = slices.map((n, r) => {
      const [from, to] = [start * perImage, (start + n) * perImage];
      start += n;
      return r === 0 ? batch.subarray(from, to) : copyOf(batch.subarray(from, to));
    });
    const runs = parts.map((part, r) =>
      (threads[r] as PoolThread).run(part, slices[r] as number, imageShape, output, signal),
    );
    const outputs = await Promise.all(runs);
    // The sessions' arenas have grown to this batch size by now.
    this.threadMemory.measure();
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
    this.refuse(new FunctionUnhealthyError(reason ?? 'inference pool closed'));
    await this.replacing;
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

/** The thread with the fewest requests queued or running. */
function leastLoaded(threads: readonly PoolThread[]): PoolThread {
  return threads.reduce((best, t) => (t.load < best.load ? t : best));
}

function threadOptions({ file, settings, stuckAfterMs }: PoolSource): ThreadOptions {
  return { file, settings, int8Slot, stuckAfterMs };
}

/** `count` items cut into at most `parts` contiguous, near-equal, non-empty slices. */
export function sliceCounts(count: number, parts: number): number[] {
  const n = Math.max(1, Math.min(parts, count));
  const base = Math.floor(count / n);
  const extra = count % n;
  return Array.from({ length: n }, (_, i) => base + (i < extra ? 1 : 0));
}
