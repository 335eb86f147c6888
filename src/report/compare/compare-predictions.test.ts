import { describe, expect, it } from 'vitest';
import type { InputResult } from '../../core/prediction.js';
import { comparedFigure } from './compare-figures.js';
import { byKey, classifyAgreement, commonKeys } from './compare-predictions.js';
import { SHOWN_ROWS } from './job-comparison.js';

const predicted = (key: string, ...classes: number[]): InputResult => ({
  key,
  top: classes.map((c, i) => ({ class: c, label: `c${c}`, score: 1 / (i + 2) })),
  error: null,
});
const failed = (key: string): InputResult => ({ key, top: null, error: `no ${key}` });

describe('classifyAgreement', () => {
  it('lists the first 50 differing inputs and one-sided errors in A order and counts the rest', () => {
    const n = SHOWN_ROWS + 12;
    const keys = Array.from({ length: n }, (_, i) => `k${i}`);
    const a = byKey(keys.flatMap((k) => [predicted(`${k}-d`, 1, 2), predicted(`${k}-e`, 3)]));
    const b = byKey(keys.flatMap((k) => [predicted(`${k}-d`, 2, 1), failed(`${k}-e`)]));
    const common = commonKeys(a, b);
    const p = classifyAgreement(common.keys, a, b);
    expect(p).toMatchObject({ compared: n, top1Agree: 0, top1AgreePercent: 0, top5Overlap: 1 });
    expect(p.differing).toHaveLength(SHOWN_ROWS);
    expect(p.differingNotShown).toBe(12);
    expect(p.differing[0]).toEqual({
      key: 'k0-d',
      a: { class: 1, label: 'c1', score: 0.5 },
      b: { class: 2, label: 'c2', score: 0.5 },
    });
    expect(p.oneSidedErrors).toHaveLength(SHOWN_ROWS);
    expect(p.oneSidedErrorsNotShown).toBe(12);
    expect(p.oneSidedErrors.at(-1)).toEqual({
      key: `k${SHOWN_ROWS - 1}-e`,
      errorIn: 'b',
      error: `no k${SHOWN_ROWS - 1}-e`,
      prediction: { class: 3, label: 'c3', score: 0.5 },
    });
  });

  it("counts the share of B's top 5 in A's top 5, and nothing where nothing is compared", () => {
    const a = byKey([predicted('x', 1, 2, 3, 4, 5, 6), predicted('y', 1)]);
    const b = byKey([predicted('x', 1, 6, 7, 2, 3), predicted('y', 1, 2), failed('z')]);
    const common = commonKeys(a, b);
    expect(common.counts).toEqual({ common: 2, onlyA: 0, onlyB: 1 });
    // x: 1, 2, 3 of B's five are in A's top 5 (6 is A's sixth); y: 1 of 2.
    expect(classifyAgreement(common.keys, a, b).top5Overlap).toBeCloseTo((3 / 5 + 1 / 2) / 2, 12);
    const none = classifyAgreement([], a, b);
    expect(none).toMatchObject({ compared: 0, top1AgreePercent: null, top5Overlap: null });
  });

  it('keeps the first line of a key, as a job has one per input', () => {
    const map = byKey([predicted('x', 1), predicted('x', 2)]);
    expect(map.get('x')?.top?.[0]?.class).toBe(1);
  });
});

describe('comparedFigure', () => {
  it('gives B / A and B − A, and null where a value is missing or A is 0', () => {
    expect(comparedFigure(2, 3)).toEqual({ a: 2, b: 3, ratio: 1.5, difference: 1 });
    expect(comparedFigure(0, 3)).toEqual({ a: 0, b: 3, ratio: null, difference: 3 });
    expect(comparedFigure(null, 3)).toEqual({ a: null, b: 3, ratio: null, difference: null });
  });
});
