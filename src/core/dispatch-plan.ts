/**
 * How many function invocations a job starts (pure), one rule for the job manager, the
 * orchestrator's job runner and the simulator: a function is invoked only when it has a split
 * to run, so a dynamic job never starts more workers than it has splits.
 */

/** How a job hands its inputs to functions: fixed chunks, or splits pulled from a dispatcher. */
export type DispatchMode = 'static' | 'dynamic';

/** Workers a dynamic job starts when it does not say (the reference's default). */
export const DEFAULT_DYNAMIC_WORKERS = 50;

/** The reference's default for static jobs: one function per `splitSize` inputs. */
export function defaultStaticWorkers(inputs: number, splitSize: number): number {
  return Math.max(1, Math.ceil(inputs / splitSize));
}

/**
 * Function invocations a job plans for `splits` splits (retries, replacements and extra workers
 * come on top): one per chunk in static mode; in dynamic mode the workers asked for (default
 * {@link DEFAULT_DYNAMIC_WORKERS}), at most one per split, and at most what the backend runs at
 * once (more would only wait for the first ones to stop, when no split is left).
 */
export function plannedInvocations(
  mode: DispatchMode,
  workers: number | undefined,
  splits: number,
  maxConcurrency: number,
): number {
  if (mode !== 'dynamic') return splits;
  return Math.max(1, Math.min(workers ?? DEFAULT_DYNAMIC_WORKERS, splits, maxConcurrency));
}

/**
 * The workers of a job granted `granted` workers, when speculative copies may run on
 * `extraWorkers` workers of their own: those come out of the grant, and there are none when the
 * grant is too small to spare them.
 */
export function workersWithinGrant(
  granted: number,
  extraWorkers: number,
): { workers: number; extraWorkers: number } {
  if (extraWorkers <= 0) return { workers: granted, extraWorkers: 0 };
  if (granted > extraWorkers) return { workers: granted - extraWorkers, extraWorkers };
  return { workers: granted, extraWorkers: 0 };
}
