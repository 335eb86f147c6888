import { describe, expect, it } from 'vitest';
import { topK } from './top-k.js';

function reference(logits: number[], k: number): Array<{ class: number; score: number }> {
  const max = Math.max(...logits);
  const exps = logits.map((v) => Math.exp(v - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return logits
    .map((v, c) => ({ class: c, score: (exps[c] as number) / sum, v }))
    .sort((a, b) => b.v - a.v || a.class - b.class)
    .slice(0, k)
    .map(({ class: c, score }) => ({ class: c, score }));
}

describe('topK', () => {
  it('returns the k best classes with softmax scores, best first', () => {
    let seed = 7;
    const rand = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 20 - 10;
    for (const k of [1, 3, 5, 50]) {
      const logits = Array.from({ length: 1000 }, rand);
      const got = topK(Float32Array.from(logits), k);
      const want = reference(Array.from(Float32Array.from(logits)), k);
      expect(got.map((s) => s.class)).toEqual(want.map((s) => s.class));
      got.forEach((s, i) => expect(s.score).toBeCloseTo((want[i] as { score: number }).score, 12));
    }
  });

  it('keeps the lower class first on ties, clamps k to the classes, and adds labels', () => {
    const got = topK(Float32Array.of(1, 3, 3, 0), 10, ['a', 'b', 'c', 'd']);
    expect(got.map((s) => [s.class, s.label])).toEqual([
      [1, 'b'],
      [2, 'c'],
      [0, 'a'],
      [3, 'd'],
    ]);
    expect(got.reduce((a, s) => a + s.score, 0)).toBeCloseTo(1, 12);
  });

  it('stays finite for large logits', () => {
    const got = topK(Float32Array.of(1000, 999, -1000), 2);
    expect(got[0]?.score).toBeCloseTo(1 / (1 + Math.exp(-1)), 12);
  });
});
