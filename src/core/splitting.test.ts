import { describe, expect, it } from 'vitest';
import { chunkEvenly, chunkRanges, sizeRanges, splitBySize, splitOf } from './splitting.js';

const keys = (n: number): string[] => Array.from({ length: n }, (_, i) => `k${i}`);

describe('chunkEvenly', () => {
  it('spreads the remainder over the first chunks, contiguously', () => {
    const splits = chunkEvenly(keys(10), 4);
    expect(splits.map((s) => s.keys.length)).toEqual([3, 3, 2, 2]);
    expect(splits.flatMap((s) => s.keys)).toEqual(keys(10));
  });
  it('never makes empty chunks', () => {
    expect(chunkEvenly(keys(2), 5).map((s) => s.keys.length)).toEqual([1, 1]);
    expect(chunkEvenly([], 3)).toEqual([]);
  });
  it('rejects a worker count below 1', () => {
    expect(() => chunkEvenly(keys(3), 0)).toThrow(/workers/);
  });
});

describe('splitBySize', () => {
  it('cuts consecutive splits, the last shorter', () => {
    const splits = splitBySize(keys(70), 32);
    expect(splits.map((s) => s.keys.length)).toEqual([32, 32, 6]);
    expect(splits.map((s) => s.splitId)).toEqual(['0', '1', '2']);
    expect(splits.flatMap((s) => s.keys)).toEqual(keys(70));
  });
});

describe('ranges', () => {
  it('plan the same splits as the keys, from a count alone', () => {
    for (const [count, n] of [
      [10, 4],
      [2, 5],
      [0, 3],
      [70, 32],
    ] as const) {
      const byKeys = chunkEvenly(keys(count), n);
      expect(chunkRanges(count, n).map((r) => splitOf(r, keys(count)))).toEqual(byKeys);
      expect(sizeRanges(count, n).map((r) => splitOf(r, keys(count)))).toEqual(splitBySize(keys(count), n));
    }
    expect(sizeRanges(70, 32)).toEqual([
      { splitId: '0', first: 0, inputs: 32 },
      { splitId: '1', first: 32, inputs: 32 },
      { splitId: '2', first: 64, inputs: 6 },
    ]);
  });
});
