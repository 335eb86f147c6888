/** The {@link InvocationStats} every backend reports for one invocation. */
import type { BackendError } from '../errors.js';
import type { Invocation, InvocationStats } from './backend.js';
import { steadyNow } from '../util/steady-clock.js';

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
 * error, started at `startedAt` (when it was sent; now where it never was) and ended now. Its
 * duration is `ranMs`: zero for a failure the function did not run through, and for one stopped
 * while its request was out (a timeout, a cancel) the time it was out, which the function ran
 * at least (a platform bills its own timeout in full).
 */
export function remoteFailure(
  memoryMb: number,
  invocationId: string,
  submittedAt: number,
): (error: BackendError, startedAt?: number, ranMs?: number) => Invocation {
  return (error, startedAt, ranMs = 0) => {
    const endedAt = steadyNow();
    const start = startedAt ?? endedAt;
    const durationMs = Math.min(Math.max(0, ranMs), endedAt - start);
    return {
      ok: false,
      error,
      stats: invocationStats(memoryMb, invocationId, submittedAt, start, endedAt, durationMs),
    };
  };
}
