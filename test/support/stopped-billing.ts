/** What every backend owes an invocation stopped while its request was out. */
import { expect } from 'vitest';
import type { Invocation } from '../../src/backends/backend.js';

/**
 * Expects `inv` to have failed at its timeout of `timeoutMs`, billed the time its request was
 * out: more than nothing, no more than it was out, rounded up to the millisecond.
 */
export function expectTimedOutAndBilled(inv: Invocation, timeoutMs: number): void {
  expect(inv.ok).toBe(false);
  if (inv.ok) return;
  expect(inv.error.message).toMatch(new RegExp(`timed out after ${timeoutMs} ms`));
  const { stats } = inv;
  expect(stats.durationMs).toBeGreaterThan(0);
  expect(stats.durationMs).toBeLessThanOrEqual(stats.endedAt - stats.startedAt);
  expect(stats.billedMs).toBe(Math.ceil(stats.durationMs));
}
