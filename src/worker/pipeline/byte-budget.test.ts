import { describe, expect, it } from 'vitest';
import { ByteBudget } from './byte-budget.js';

describe('ByteBudget', () => {
  it('holds waiters while at or over the limit and wakes them when bytes are given back', async () => {
    const budget = new ByteBudget(100);
    await budget.whenBelowLimit();
    budget.take(150); // one item may overshoot
    let passed = false;
    const waiting = budget.whenBelowLimit().then(() => (passed = true));
    await new Promise((r) => setTimeout(r, 5));
    expect(passed).toBe(false);
    budget.give(40);
    await new Promise((r) => setTimeout(r, 5));
    expect(passed).toBe(false);
    budget.give(20);
    await waiting;
    expect(budget.heldBytes).toBe(90);
  });

  it('rejects a non-positive limit', () => {
    expect(() => new ByteBudget(0)).toThrow(RangeError);
  });
});
