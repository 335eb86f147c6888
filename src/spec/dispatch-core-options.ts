/**
 * The dispatch core's settings for a resolved dispatch spec (pure): the job manager and the
 * simulator both run a job's dispatch with these.
 */
import { workersWithinGrant } from '../core/dispatch-plan.js';
import type { DispatchCoreOptions } from '../core/dispatch-types.js';
import type { DispatchSpec } from './types.js';

/** Core settings of one job, before its planned workers, worker ids and faults are added. */
export type CoreSettings = Omit<DispatchCoreOptions, 'plannedWorkers' | 'workerIdPrefix' | 'faultsFor'> & {
  workerSilentTimeoutMs: number | null;
};

/**
 * Static jobs retry a failed chunk `maxRetries` times; dynamic jobs their splits
 * `maxSplitRetries` times, and copy stragglers when speculation is on (a straggler whose split a
 * copy finished first then gets no new split: it would need a copy too).
 */
export function dispatchCoreSettings(dispatch: DispatchSpec, maxRetries: number): CoreSettings {
  if (dispatch.type !== 'dynamic')
    return { mode: 'static', maxSplitRetries: maxRetries, workerSilentTimeoutMs: null };
  const speculation = dispatch.speculation;
  return {
    mode: 'dynamic',
    maxSplitRetries: dispatch.maxSplitRetries,
    workerSilentTimeoutMs: dispatch.workerSilentTimeoutMs,
    stopOutpacedWorkers: speculation !== null,
    speculation: speculation
      ? {
          quantile: speculation.quantile,
          multiplier: speculation.multiplier,
          intervalMs: speculation.intervalMs,
          maxSplitRetries: dispatch.maxSplitRetries,
          maxExtraWorkers: speculation.extraWorkers,
        }
      : null,
  };
}

/**
 * The workers and dispatch of a job granted `granted` workers: speculation's extra workers come
 * out of the grant (and are turned off when the grant is too small), so that a job never runs
 * more functions at once than it was granted.
 */
export function withinGrant(
  granted: number,
  dispatch: DispatchSpec,
): { workers: number; dispatch: DispatchSpec } {
  const speculation = dispatch.type === 'dynamic' ? dispatch.speculation : null;
  if (dispatch.type !== 'dynamic' || !speculation) return { workers: granted, dispatch };
  const { workers, extraWorkers } = workersWithinGrant(granted, speculation.extraWorkers);
  if (extraWorkers === speculation.extraWorkers) return { workers, dispatch };
  return { workers, dispatch: { ...dispatch, speculation: { ...speculation, extraWorkers } } };
}
