import { describe, expect, it } from 'vitest';
import { activeTime } from './run-spans.js';

describe('activeTime', () => {
  it('sums the runs in whole milliseconds, so a resumed job reads 8.601 s, not 8.600999999999999', () => {
    const spans = [
      { run: 1, from: 1_000, to: 3_900, lastPredictionAt: null },
      { run: 2, from: 60_000, to: 65_701, lastPredictionAt: 65_701 },
    ];
    expect(2.9 + 5.701).not.toBe(8.601); // what adding seconds gave
    expect(activeTime(spans)).toEqual({ seconds: 8.601, predictingSeconds: 5.701, runs: 2 });
  });
});
