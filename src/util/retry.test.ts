import { describe, expect, it } from 'vitest';
import {
  backoffDelayMs,
  parseRetryAfterMs,
  resolveRetryPolicy,
  retryWithBackoff,
  sleepUnlessAborted,
  type AttemptResult,
} from './retry.js';

const policy = { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 1_000 };

describe('backoff with full jitter', () => {
  it('doubles its ceiling per failure up to the cap', () => {
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelayMs(policy, n, 0, () => 1))).toEqual([
      100, 200, 400, 800, 1000, 1000,
    ]);
  });

  it('draws uniformly below the ceiling', () => {
    expect(backoffDelayMs(policy, 3, 0, () => 0)).toBe(0);
    expect(backoffDelayMs(policy, 3, 0, () => 0.5)).toBe(200);
  });

  it("never waits less than the server's Retry-After, up to the policy's longest delay", () => {
    expect(backoffDelayMs(policy, 1, 700, () => 0.5)).toBe(700);
    expect(backoffDelayMs(policy, 1, 5_000, () => 0.5)).toBe(1_000);
    expect(backoffDelayMs(policy, 1, Infinity, () => 0)).toBe(1_000);
  });

  it('rejects bad policies and fills in the defaults', () => {
    expect(() => resolveRetryPolicy({ maxAttempts: 0 }, policy)).toThrow(/maxAttempts/);
    expect(() => resolveRetryPolicy({ baseDelayMs: -1 }, policy)).toThrow(/baseDelayMs/);
    expect(resolveRetryPolicy(undefined, policy)).toEqual(policy);
    expect(resolveRetryPolicy({ maxAttempts: 2 }, policy)).toEqual({ ...policy, maxAttempts: 2 });
  });
});

describe('parseRetryAfterMs', () => {
  const wallNowMs = Date.UTC(2026, 0, 1, 12, 0, 0);
  const bounds = { maxMs: 20_000, wallNowMs };

  it('reads delta-seconds, zero included, up to the longest delay', () => {
    expect(parseRetryAfterMs('5', bounds)).toBe(5_000);
    expect(parseRetryAfterMs(' 1.5 ', bounds)).toBe(1_500);
    expect(parseRetryAfterMs('0', bounds)).toBe(0);
    expect(parseRetryAfterMs('999999', bounds)).toBe(20_000);
    expect(parseRetryAfterMs('9'.repeat(400), bounds)).toBe(20_000);
  });

  it('reads an HTTP-date against the wall clock: past is 0, far off is the longest delay', () => {
    expect(parseRetryAfterMs(new Date(wallNowMs + 7_000).toUTCString(), bounds)).toBe(7_000);
    expect(parseRetryAfterMs('Thu, 01 Jan 2026 11:00:00 GMT', bounds)).toBe(0);
    expect(parseRetryAfterMs('Fri, 31 Dec 9999 23:59:59 GMT', bounds)).toBe(20_000);
  });

  it('takes nothing from a missing, negative, NaN or unreadable value', () => {
    for (const raw of [undefined, '', ' ', '-5', 'NaN', 'Infinity', '0x10', '1e3', 'soon', 'Mon, 99 Foo'])
      expect(parseRetryAfterMs(raw, bounds), String(raw)).toBeUndefined();
  });
});

/** An attempt function that fails `failures` times (with `retryAfterMs` each), then returns 'ok'. */
function flaky(failures: number, retryAfterMs = 0) {
  const calls: number[] = [];
  const attempt = async (n: number): Promise<AttemptResult<string, string>> => {
    calls.push(n);
    return n <= failures ? { failed: `failure ${n}`, retryAfterMs } : { done: 'ok' };
  };
  return { calls, attempt };
}

/** A wait that records the delays instead of sleeping. */
function recordedWaits(answer = true) {
  const waits: number[] = [];
  return { waits, wait: async (ms: number) => (waits.push(ms), answer) };
}

describe('retryWithBackoff', () => {
  it('retries failures with growing backoff until an attempt is done', async () => {
    const { calls, attempt } = flaky(3);
    const { waits, wait } = recordedWaits();
    const retried: Array<[string, number, number]> = [];
    const outcome = await retryWithBackoff(attempt, {
      policy,
      random: () => 1,
      wait,
      onRetry: (failure, n, delay) => retried.push([failure, n, delay]),
    });
    expect(outcome).toEqual({ kind: 'done', value: 'ok', attempts: 4 });
    expect(calls).toEqual([1, 2, 3, 4]);
    expect(waits).toEqual([100, 200, 400]);
    expect(retried).toEqual([
      ['failure 1', 1, 100],
      ['failure 2', 2, 200],
      ['failure 3', 3, 400],
    ]);
  });

  it('gives up after maxAttempts with the last failure and the wait it would have taken', async () => {
    const { calls, attempt } = flaky(99, 50);
    const { waits, wait } = recordedWaits();
    const outcome = await retryWithBackoff(attempt, { policy, random: () => 0, wait });
    expect(outcome).toEqual({ kind: 'exhausted', failure: 'failure 5', attempts: 5, retryAfterMs: 50 });
    expect(calls).toEqual([1, 2, 3, 4, 5]);
    expect(waits).toEqual([50, 50, 50, 50]);
  });

  it('never retries when the attempt says it is done, even with a failure of its own', async () => {
    const { waits, wait } = recordedWaits();
    const outcome = await retryWithBackoff(async () => ({ done: 'not worth retrying' }), { policy, wait });
    expect(outcome).toEqual({ kind: 'done', value: 'not worth retrying', attempts: 1 });
    expect(waits).toEqual([]);
  });

  it('stops when the signal aborts during a wait, with the failure that caused it', async () => {
    const controller = new AbortController();
    const { calls, attempt } = flaky(99);
    const pending = retryWithBackoff(attempt, {
      policy: { maxAttempts: 10, baseDelayMs: 60_000, maxDelayMs: 60_000 },
      random: () => 1,
      signal: controller.signal,
      onRetry: () => controller.abort(),
    });
    await expect(pending).resolves.toEqual({ kind: 'aborted', failure: 'failure 1', attempts: 1 });
    expect(calls).toEqual([1]);
  });
});

describe('sleepUnlessAborted', () => {
  it('is false at once for an aborted signal, true after a plain wait', async () => {
    expect(await sleepUnlessAborted(60_000, AbortSignal.abort())).toBe(false);
    expect(await sleepUnlessAborted(0, AbortSignal.abort())).toBe(false);
    expect(await sleepUnlessAborted(0)).toBe(true);
    expect(await sleepUnlessAborted(1)).toBe(true);
  });
});
