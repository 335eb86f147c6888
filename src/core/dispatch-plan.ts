/**
 * Dispatch modes, and how speculation's extra workers fit in a job's grant (pure), one rule for
 * the orchestrator's job runner and the simulator. (How many invocations a job plans is the job
 * plan's: `plannedInvocationCount` in `job-plan/`.)
 */

/** How a job hands its inputs to functions: fixed chunks, or splits pulled from a dispatcher. */
export type DispatchMode = 'static' | 'dynamic';

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
