/**
 * A job's split plan (pure): the same spec and inputs always give the same splits with the same
 * ids, so that a resumed job runs exactly the splits that have no results yet.
 */
import { createHash } from 'node:crypto';
import { chunkEvenly, splitBySize } from '../core/splitting.js';
import type { ResolvedJobSpec } from '../spec/types.js';
import type { Split } from '../core/splitting.js';
import { defaultStaticWorkers } from './static-dispatch.js';

/** Workers a dynamic job starts when it does not say (the reference's default). */
export const DEFAULT_DYNAMIC_WORKERS = 50;

/** Every split of a job, in order: static chunks, or dynamic splits of `splitSize`. */
export function planSplits(spec: ResolvedJobSpec, keys: readonly string[]): Split[] {
  if (spec.dispatch.type === 'dynamic') return splitBySize(keys, spec.splitSize);
  return chunkEvenly(keys, spec.workers ?? defaultStaticWorkers(keys.length, spec.splitSize));
}

/** How many splits {@link planSplits} makes for `inputs` inputs, without the keys. */
export function planSize(spec: ResolvedJobSpec, inputs: number): number {
  if (spec.dispatch.type === 'dynamic') return Math.ceil(inputs / spec.splitSize);
  return Math.min(inputs, spec.workers ?? defaultStaticWorkers(inputs, spec.splitSize));
}

/**
 * Function invocations a job plans for `splits` splits (retries and extra workers come on
 * top): one per chunk in static mode; in dynamic mode the workers asked for (default 50), at
 * most one per split, and at most what the backend runs at once (more would only wait for the
 * first ones to stop, when no split is left).
 */
export function plannedWorkers(spec: ResolvedJobSpec, splits: number, maxConcurrency: number): number {
  if (spec.dispatch.type !== 'dynamic') return splits;
  return Math.max(1, Math.min(spec.workers ?? DEFAULT_DYNAMIC_WORKERS, splits, maxConcurrency));
}

/** A digest of a job's inputs in order, to tell whether a resumed job still has the same ones. */
export function inputsDigest(keys: readonly string[]): string {
  const hash = createHash('sha256');
  for (const key of keys) hash.update(key).update('\n');
  return `sha256:${hash.digest('hex')}`;
}
