/** Retry timing for remote invocations (pure): exponential backoff with full jitter. */

/** How often and how patiently a remote backend retries throttled or failed calls. */
export interface RetryPolicy {
  /** Attempts per invocation, the first included. */
  maxAttempts: number;
  /** Backoff before the second attempt (before jitter); doubles with each attempt. */
  baseDelayMs: number;
  /** Backoff cap (before jitter). */
  maxDelayMs: number;
}

/** Lambda throttling storms can last seconds: up to 8 attempts, backoff 100 ms doubling to 20 s. */
export const DEFAULT_INVOKE_RETRY: RetryPolicy = Object.freeze({
  maxAttempts: 8,
  baseDelayMs: 100,
  maxDelayMs: 20_000,
});

/**
 * Wait before the next attempt after `failedAttempts` failures (1 for the first): a uniform draw
 * in [0, min(maxDelayMs, baseDelayMs x 2^(failedAttempts-1))] ("full jitter", so that many
 * throttled callers do not come back in lock step), and never less than the server's
 * `retryAfterMs`.
 */
export function backoffDelayMs(
  policy: RetryPolicy,
  failedAttempts: number,
  retryAfterMs = 0,
  random: () => number = Math.random,
): number {
  const exponent = Math.max(0, Math.min(failedAttempts - 1, 30));
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** exponent);
  return Math.max(retryAfterMs, Math.round(random() * ceiling));
}

/** Checks a partial policy and fills in the defaults; throws RangeError for a bad value. */
export function resolveRetryPolicy(partial: Partial<RetryPolicy> = {}): RetryPolicy {
  const policy = { ...DEFAULT_INVOKE_RETRY, ...partial };
  if (!Number.isInteger(policy.maxAttempts) || policy.maxAttempts < 1)
    throw new RangeError(`retry.maxAttempts must be an integer >= 1, got ${policy.maxAttempts}`);
  for (const field of ['baseDelayMs', 'maxDelayMs'] as const) {
    const v = policy[field];
    if (!Number.isFinite(v) || v < 0) throw new RangeError(`retry.${field} must be a number >= 0, got ${v}`);
  }
  return policy;
}
