/** The {@link InvocationStats} every backend reports for one invocation. */
import type { InvocationStats } from './backend.js';

/**
 * Stats of one invocation on a function of `memoryMb`: billed time is `durationMs` rounded up
 * to a whole millisecond; `initMs` (rounded) and `cold` only for a cold start.
 */
export function invocationStats(
  memoryMb: number,
  invocationId: string,
  submittedAt: number,
  startedAt: number,
  endedAt: number,
  durationMs: number,
  initMs = 0,
  cold = false,
): InvocationStats {
  return {
    invocationId,
    submittedAt,
    startedAt,
    endedAt,
    durationMs,
    billedMs: Math.ceil(durationMs),
    initMs: Math.round(initMs),
    cold,
    memoryMb,
  };
}
