/**
 * The process's inference pools, one per model file and threading, kept warm between
 * invocations: an invocation acquires the pool of its model (opening it on first use, waiting
 * for a stopped invocation's run still in it) and never closes it.
 */
import { batchBuffers } from './batch-buffers.js';
import { healthSettings, whenNoneStuck } from './function-health.js';
import { InferencePool, type PoolSettings } from './inference-pool.js';

const pools = new Map<string, Promise<InferencePool>>();

function poolKey(file: string, s: PoolSettings): string {
  return JSON.stringify([file, s.intraOpThreads, s.interOpThreads, s.replicas, s.spinning ?? false]);
}

/** Options of {@link acquireInferencePool}. */
export interface AcquireOptions {
  /** A stopped invocation's run going on longer marks its thread stuck (default: the process's setting). */
  stuckAfterMs?: number;
}

/**
 * The process-wide pool for this model and settings, opened on first use. `cold` says whether
 * this call had to load the model (it opened the pool, or a thread of it was loaded in place of
 * a stuck one). A pool still running a stopped invocation's batch is waited for: until the run
 * returns, or it outlasts the wait and its thread is replaced. Throws
 * {@link FunctionUnhealthyError} when stuck threads leave no cores for the model's threads.
 */
export async function acquireInferencePool(
  file: string,
  settings: PoolSettings,
  options: AcquireOptions = {},
): Promise<{ pool: InferencePool; cold: boolean }> {
  const key = poolKey(file, settings);
  let existing = pools.get(key);
  while (existing) {
    const pool = await existing;
    await pool.whenFree();
    if (!pool.broken && !pool.unhealthy) return { pool, cold: pool.takeReplacements() > 0 };
    // Another caller waiting on the same pool may have replaced it already.
    if (pools.get(key) === existing) {
      pools.delete(key);
      void pool.close(pool.unhealthy?.message);
      break;
    }
    existing = pools.get(key);
  }
  const stuckAfterMs = options.stuckAfterMs ?? healthSettings().stuckAfterMs;
  const opening = InferencePool.open({ file, settings, stuckAfterMs });
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
 * Resolves once no stopped invocation's run occupies any thread, stuck ones included (a run that
 * never ends keeps it waiting: the caller bounds the wait).
 */
export async function whenInferencePoolsFree(): Promise<void> {
  const all = await Promise.all([...pools.values()].map((p) => p.catch(() => null)));
  await Promise.all(all.map((p) => p?.whenFree()));
  await whenNoneStuck();
}

/**
 * Resolves once no stopped invocation's run occupies a pool's threads: each ended, or outlasted
 * the wait and left its thread stuck (which {@link whenInferencePoolsFree} waits for too).
 */
export async function whenInferencePoolsSettled(): Promise<void> {
  const all = await Promise.all([...pools.values()].map((p) => p.catch(() => null)));
  await Promise.all(all.map((p) => p?.whenFree()));
}

/** Whether this process already holds an inference pool (a warm worker). */
export function hasWarmPool(): boolean {
  return pools.size > 0;
}
