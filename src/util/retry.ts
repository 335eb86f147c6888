/**
 * One retry loop: attempts with exponential backoff and full jitter, never sooner than the
 * server's `Retry-After`, stopped by an `AbortSignal`. Each caller decides per attempt whether
 * it is done (a result or a failure not worth retrying) or failed in a way worth retrying; the
 * loop owns the counting, the waiting and the giving up.
 */
import { setTimeout as sleep } from 'node:timers/promises';

/** How often and how patiently to retry. */
export interface RetryPolicy {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  /** Backoff before the second attempt (before jitter); doubles with each attempt. */
  baseDelayMs: number;
  /** Backoff cap (before jitter). */
  maxDelayMs: number;
}

/**
 * Wait before the next attempt after `failedAttempts` failures (1 for the first): a uniform draw
 * in [0, min(maxDelayMs, baseDelayMs x 2^(failedAttempts-1))] ("full jitter", so that many
 * throttled callers do not come back in lock step), and never less than the server's
 * `retryAfterMs` up to `maxDelayMs`: no wait is ever longer than `maxDelayMs`.
 */
export function backoffDelayMs(
  policy: RetryPolicy,
  failedAttempts: number,
  retryAfterMs = 0,
  random: () => number = Math.random,
): number {
  const exponent = Math.max(0, Math.min(failedAttempts - 1, 30));
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** exponent);
  return Math.max(Math.min(retryAfterMs, policy.maxDelayMs), Math.round(random() * ceiling));
}

/** What a `Retry-After` is read against: the longest wait to take from it, and the wall time now. */
export interface RetryAfterBounds {
  /** The longest wait a `Retry-After` may ask for (a retry policy's `maxDelayMs`). */
  maxMs: number;
  /** Epoch ms now by the wall clock, which an HTTP-date is compared with. */
  wallNowMs: number;
}

/** Delta-seconds as RFC 9110 writes them (a fraction taken too); anything else is read as a date. */
const DELTA_SECONDS = /^\s*\d+(\.\d+)?\s*$/;

/**
 * A `Retry-After` value (delta-seconds, or an HTTP-date) as ms to wait, within
 * [0, `bounds.maxMs`]: a date already past is 0, a number or date further off than `maxMs` is
 * `maxMs`. Undefined for no value or one that is neither (negative, `NaN`, words).
 */
export function parseRetryAfterMs(raw: string | undefined, bounds: RetryAfterBounds): number | undefined {
  if (raw === undefined) return undefined;
  let ms: number;
  if (DELTA_SECONDS.test(raw)) ms = Number(raw) * 1000;
  else {
    const date = /[a-z]/i.test(raw) ? Date.parse(raw) : NaN;
    if (Number.isNaN(date)) return undefined;
    ms = date - bounds.wallNowMs;
  }
  return Math.round(Math.min(Math.max(0, ms), bounds.maxMs));
}

/** Checks a partial policy and fills in `defaults`; throws RangeError for a bad value. */
export function resolveRetryPolicy(
  partial: Partial<RetryPolicy> | undefined,
  defaults: RetryPolicy,
): RetryPolicy {
  const policy = { ...defaults, ...partial };
  if (!Number.isInteger(policy.maxAttempts) || policy.maxAttempts < 1)
    throw new RangeError(`retry.maxAttempts must be an integer >= 1, got ${policy.maxAttempts}`);
  for (const field of ['baseDelayMs', 'maxDelayMs'] as const) {
    const v = policy[field];
    if (!Number.isFinite(v) || v < 0) throw new RangeError(`retry.${field} must be a number >= 0, got ${v}`);
  }
  return policy;
}

/** Waits `ms`; false (early) when `signal` aborts, or has already. */
export async function sleepUnlessAborted(ms: number, signal?: AbortSignal): Promise<boolean> {
  if (ms <= 0) return !signal?.aborted;
  try {
    await sleep(ms, undefined, signal ? { signal } : {});
    return true;
  } catch {
    return false;
  }
}

/** The time a retry loop reads and spends; tests pass their own. */
export interface RetryClock {
  /** Epoch ms now by the wall clock (a `Retry-After` date is compared with it). */
  wallNow(): number;
  /** Waits `ms` between attempts; false (early) when `signal` aborts. */
  wait(ms: number, signal?: AbortSignal): Promise<boolean>;
}

/** The process's wall clock and real waits. */
export const systemRetryClock: RetryClock = { wallNow: () => Date.now(), wait: sleepUnlessAborted };

/** What one attempt came to: done (with whatever the caller returns), or a failure worth retrying. */
export type AttemptResult<T, F> = { done: T } | { failed: F; retryAfterMs?: number };

/** How the loop ended. */
export type RetryOutcome<T, F> =
  | { kind: 'done'; value: T; attempts: number }
  /** Every attempt failed; `failure` is the last one's. */
  | { kind: 'exhausted'; failure: F; attempts: number; retryAfterMs: number }
  /** The signal aborted during a wait between attempts. */
  | { kind: 'aborted'; failure: F; attempts: number };

export interface RetryOptions<F> {
  policy: RetryPolicy;
  /** Stops the waits between attempts (the attempt itself should watch it too). */
  signal?: AbortSignal;
  /** Called before each wait: the failure, the attempt that failed (1-based), the wait. */
  onRetry?: (failure: F, attempt: number, delayMs: number) => void;
  /** Jitter source, for tests (default `Math.random`). */
  random?: () => number;
  /** The wait, for tests (default {@link sleepUnlessAborted}). */
  wait?: (ms: number, signal?: AbortSignal) => Promise<boolean>;
}

/** Runs `attempt` (given its 1-based number) until it is done, the attempts run out, or `signal` aborts. */
export async function retryWithBackoff<T, F>(
  attempt: (n: number) => Promise<AttemptResult<T, F>>,
  options: RetryOptions<F>,
): Promise<RetryOutcome<T, F>> {
  const { policy, signal } = options;
  const wait = options.wait ?? sleepUnlessAborted;
  for (let n = 1; ; n++) {
    const result = await attempt(n);
    if ('done' in result) return { kind: 'done', value: result.done, attempts: n };
    const retryAfterMs = result.retryAfterMs ?? 0;
    const delayMs = backoffDelayMs(policy, n, retryAfterMs, options.random);
    if (n >= policy.maxAttempts)
      return { kind: 'exhausted', failure: result.failed, attempts: n, retryAfterMs: delayMs };
    options.onRetry?.(result.failed, n, delayMs);
    if (!(await wait(delayMs, signal))) return { kind: 'aborted', failure: result.failed, attempts: n };
  }
}
