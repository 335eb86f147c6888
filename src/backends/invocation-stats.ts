/** The {@link InvocationStats} every backend reports for one invocation. */
import type { BackendError } from '../errors.js';
import type { Invocation, InvocationStats } from './backend.js';

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

/**
 * Makes failed invocations for one remote invocation submitted at `submittedAt`: each is the
 * error with zero duration, started at `startedAt` (when it was sent; now where it never was) and
 * ended now.
 */
export function remoteFailure(
  memoryMb: number,
  invocationId: string,
  submittedAt: number,
): (error: BackendError, startedAt?: number) => Invocation {
  return (error, startedAt) => {
    const endedAt = Date.now();
    return {
      ok: false,
      error,
      stats: invocationStats(memoryMb, invocationId, submittedAt, startedAt ?? endedAt, endedAt, 0),
    };
  };
}
