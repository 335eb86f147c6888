import { describe, expect, it } from 'vitest';
import { backoffDelayMs, resolveRetryPolicy } from './backoff.js';

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

  it("never waits less than the server's Retry-After", () => {
    expect(backoffDelayMs(policy, 1, 5_000, () => 0.5)).toBe(5_000);
  });

  it('rejects bad policies', () => {
    expect(() => resolveRetryPolicy({ maxAttempts: 0 })).toThrow(/maxAttempts/);
    expect(() => resolveRetryPolicy({ baseDelayMs: -1 })).toThrow(/baseDelayMs/);
    expect(resolveRetryPolicy({}).maxAttempts).toBe(8);
  });
});
