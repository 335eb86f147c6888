/**
 * The function's health as its inference threads make it. ONNX Runtime cannot interrupt a run,
 * so a stopped invocation's run goes on in its thread; one that outlasts the wait
 * (`protocol/stuck-wait.ts`, a graph that never returns) marks its thread *stuck*: it holds
 * its intra-op threads' cores until its run returns, maybe never, and its model's memory too
 * (its session's weights and arena live as long as the thread). The pool replaces a stuck
 * thread only while the cores left (the function's cores less those stuck threads hold) cover
 * the intra-op threads of the pool's threads with the new one, and the memory left (the
 * function's memory less what the process uses, stuck threads included) covers about one more
 * thread of the model; otherwise the batches go to its other threads, and with none left it
 * cannot serve. The function is unhealthy while
 * stuck threads hold all its cores, or a pool could not serve for want of cores: `serve-function`
 * answers 503 then, and the Lambda handler ends its process.
 */
import os from 'node:os';
import { fileDigest, shortDigest } from '../util/file-digest.js';
import { DEFAULT_STUCK_AFTER_MS } from '../protocol/stuck-wait.js';

/** What a pool did about a thread it marked stuck. */
export type StuckOutcome =
  /** A new thread loads the model in its place (the cores and memory allowed it). */
  | 'replaced'
  /** Its queued batches went to the pool's other threads; no new thread (no cores or memory for one). */
  | 'rerouted'
  /** No thread is left to run the pool's batches, and no cores or memory for a new one. */
  | 'cannot-serve';

/** One thread marked stuck. */
export interface StuckThreadEvent {
  /** The model file it runs. */
  file: string;
  /** SHA-256 of the model file's bytes, or null when it could not be read. */
  sha256: string | null;
  /** How long the stopped invocation's run had gone on when the thread was marked stuck. */
  runMs: number;
  /** Cores it holds (its intra-op threads). */
  cores: number;
  outcome: StuckOutcome;
}

/** The function's health: `reason` says why it cannot serve. */
export type FunctionHealth =
  { ok: true; stuckThreads: number } | { ok: false; stuckThreads: number; reason: string };

/** Process-wide settings: how long a stopped run may go on, the cores and memory the function has. */
export interface HealthSettings {
  /** A stopped invocation's run going on longer marks its thread stuck (`protocol/stuck-wait.ts`). */
  stuckAfterMs: number;
  /** Cores the function may use (default: `os.availableParallelism()`). */
  cores: number;
  /** Memory the function may use, bytes (default: its cgroup's limit, else the machine's memory). */
  memoryBytes: number;
}

/** The process's memory limit: its cgroup's (a container, a Lambda environment), else the machine's. */
function defaultMemoryBytes(): number {
  const total = os.totalmem();
  const constrained = process.constrainedMemory?.() ?? 0;
  return constrained > 0 ? Math.min(constrained, total) : total;
}

const settings: HealthSettings = {
  stuckAfterMs: DEFAULT_STUCK_AFTER_MS,
  cores: os.availableParallelism(),
  memoryBytes: defaultMemoryBytes(),
};
/** Cores held by each stuck thread still alive. */
const stuck = new Map<symbol, number>();
let refusal: string | null = null;
const listeners = new Set<(event: StuckThreadEvent) => void>();
let noneStuck: (() => void)[] = [];

/** Changes the process's settings (serve-function flags, tests). */
export function configureFunctionHealth(changes: Partial<HealthSettings>): void {
  Object.assign(settings, changes);
}

export function healthSettings(): Readonly<HealthSettings> {
  return settings;
}

/** Cores the stuck threads hold. */
export function stuckCores(): number {
  let held = 0;
  for (const cores of stuck.values()) held += cores;
  return held;
}

/**
 * Whether threads of `cores` intra-op threads in all fit beside the stuck ones (always, with
 * none stuck: a deployment may give its threads more than the function's cores).
 */
export function coresAllow(cores: number): boolean {
  const held = stuckCores();
  return held === 0 || held + cores <= settings.cores;
}

/** Why a model's threads of `cores` intra-op threads in all cannot start. */
export function noCoresReason(file: string, cores: number): string {
  return `this function cannot run ${file}: stuck inference threads hold ${stuckCores()} of its ${settings.cores} cores, and the model's threads need ${cores} (a stopped invocation's model run has not returned)`;
}

/** Memory the process uses now (resident): a stuck thread's model and arena included. */
export function memoryInUse(): number {
  return process.memoryUsage.rss();
}

/**
 * Whether about `bytes` more (a new thread's model and arena) fit beside what the process uses,
 * the stuck threads' memory included (always, with none stuck, as for cores).
 */
export function memoryAllows(bytes: number): boolean {
  return stuck.size === 0 || memoryInUse() + bytes <= settings.memoryBytes;
}

/** Why a thread of about `bytes` cannot be loaded for `file`. */
export function noMemoryReason(file: string, bytes: number): string {
  const mb = (n: number): string => `${Math.round(n / (1024 * 1024))} MB`;
  return `this function cannot load another inference thread of ${file}: ${stuck.size} stuck inference thread(s) keep their models' memory (a stopped invocation's model run has not returned), ${mb(memoryInUse())} of its ${mb(settings.memoryBytes)} are in use, and a thread of this model takes about ${mb(bytes)}`;
}

/**
 * Counts a stuck thread's cores until the returned function is called (when the thread has
 * ended: its run returned).
 */
export function holdStuckCores(cores: number): () => void {
  const key = Symbol('stuck thread');
  stuck.set(key, cores);
  return () => {
    stuck.delete(key);
    if (stuck.size > 0) return;
    refusal = null;
    const woken = noneStuck;
    noneStuck = [];
    for (const wake of woken) wake();
  };
}

/** Records that a pool could not serve for want of cores (cleared once no thread is stuck). */
export function refuseService(reason: string): void {
  refusal ??= reason;
}

export function functionHealth(): FunctionHealth {
  const stuckThreads = stuck.size;
  if (stuckThreads === 0) return { ok: true, stuckThreads };
  const held = stuckCores();
  if (held >= settings.cores) {
    return {
      ok: false,
      stuckThreads,
      reason: `${stuckThreads} stuck inference thread(s) hold ${held} of this function's ${settings.cores} cores: a stopped invocation's model run has not returned`,
    };
  }
  return refusal ? { ok: false, stuckThreads, reason: refusal } : { ok: true, stuckThreads };
}

/** Resolves once no thread is stuck (every stuck run returned and its thread ended). */
export function whenNoneStuck(): Promise<void> {
  if (stuck.size === 0) return Promise.resolve();
  return new Promise((resolve) => noneStuck.push(resolve));
}

/** Calls `listener` for each thread marked stuck; returns the function that stops it. */
export function onStuckThread(listener: (event: StuckThreadEvent) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Tells the listeners of a stuck thread, once its model file is hashed. */
export function reportStuckThread(event: Omit<StuckThreadEvent, 'sha256'>): void {
  void fileDigest(event.file, 'model file')
    .then(
      (d) => d.sha256,
      () => null,
    )
    .then((sha256) => {
      for (const listener of listeners) listener({ ...event, sha256 });
    });
}

/** The log line of a stuck thread. */
export function stuckThreadLine(e: StuckThreadEvent): string {
  const model = e.sha256 ? `sha256:${shortDigest(e.sha256)}` : 'sha256 unknown';
  const what = {
    replaced: 'a new thread loads the model in its place',
    rerouted: "its queued batches went to the pool's other threads",
    'cannot-serve':
      'no thread is left for this model and no cores for a new one: the function cannot serve it',
  }[e.outcome];
  return `inference thread stuck: a stopped invocation's run of model ${model} (${e.file}) has not returned after ${(e.runMs / 1000).toFixed(1)} s and holds ${e.cores} core(s); ${what}`;
}
