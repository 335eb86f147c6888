import { describe, expect, it } from 'vitest';
import { MAX_VECTOR_VALUES } from '../../protocol/limits.js';
import { resultBoundsProblem } from '../../protocol/result-bounds.js';
import { decodeVector } from '../../protocol/vector-encoding.js';
import { classifyRow, isProbabilityRow, l2Normalized, readRow } from './postprocess.js';

const classify = (activation: 'auto' | 'softmax' | 'none' | 'sigmoid', threshold: number | null = null) => ({
  task: { kind: 'classify' as const, output: 'out', activation, threshold },
  topK: 3,
});

describe('classify activations', () => {
  const logits = Float32Array.of(2, 0, -1, 1);
  const softmax = (v: number[]): number[] => {
    const e = v.map((x) => Math.exp(x));
    const sum = e.reduce((a, b) => a + b, 0);
    return e.map((x) => x / sum);
  };

  it('soft-maxes logits, best first', () => {
    const want = softmax([2, 0, -1, 1]);
    const top = classifyRow(logits, 'softmax', 3);
    expect(top.map((s) => s.class)).toEqual([0, 3, 1]);
    top.forEach((s) => expect(s.score).toBeCloseTo(want[s.class] as number, 6));
  });

  it('keeps probabilities as they are with none', () => {
    const probs = Float32Array.of(0.1, 0.6, 0.3);
    const top = classifyRow(probs, 'none', 2, { labels: ['a', 'b', 'c'] });
    expect(top).toEqual([
      { class: 1, label: 'b', score: Math.fround(0.6) },
      { class: 2, label: 'c', score: Math.fround(0.3) },
    ]);
  });

  it('takes sigmoids per class, and keeps only those at the threshold or above', () => {
    const row = Float32Array.of(3, -2, 0, 1);
    const sig = (v: number): number => 1 / (1 + Math.exp(-v));
    expect(classifyRow(row, 'sigmoid', 10).map((s) => [s.class, s.score])).toEqual([
      [0, sig(3)],
      [3, sig(1)],
      [2, 0.5],
      [1, sig(-2)],
    ]);
    expect(classifyRow(row, 'sigmoid', 10, { threshold: 0.5 }).map((s) => s.class)).toEqual([0, 3, 2]);
    expect(classifyRow(row, 'sigmoid', 1, { threshold: 0.5 }).map((s) => s.class)).toEqual([0]);
    expect(classifyRow(Float32Array.of(-5, -6), 'sigmoid', 5, { threshold: 0.9 })).toEqual([]);
  });

  it('auto reads rows summing to 1 in [0, 1] as probabilities, anything else as logits', () => {
    expect(isProbabilityRow(Float32Array.of(0.2, 0.3, 0.5))).toBe(true);
    expect(isProbabilityRow(Float32Array.from({ length: 1000 }, () => 0.001))).toBe(true);
    expect(isProbabilityRow(Float32Array.of(0.2, 0.3, 0.4))).toBe(false);
    expect(isProbabilityRow(Float32Array.of(1.5, -0.5))).toBe(false);
    const probs = Float32Array.of(0.25, 0.7, 0.05);
    expect(classifyRow(probs, 'auto', 1)).toEqual(classifyRow(probs, 'none', 1));
    expect(classifyRow(logits, 'auto', 3)).toEqual(classifyRow(logits, 'softmax', 3));
    // Softmax of probabilities would flatten them: 0.7 would become about 0.45.
    expect(classifyRow(probs, 'auto', 1)[0]?.score).toBeCloseTo(0.7, 6);
  });

  it('gives the same top-1 for logits and for their softmax', () => {
    const probs = Float32Array.from(softmax([2, 0, -1, 1]));
    expect(classifyRow(probs, 'auto', 1)[0]?.class).toBe(classifyRow(logits, 'auto', 1)[0]?.class);
    expect(classifyRow(probs, 'auto', 1)[0]?.score).toBeCloseTo(
      classifyRow(logits, 'auto', 1)[0]?.score as number,
      6,
    );
  });
});

describe('readRow', () => {
  it('turns a row with NaN or an infinity into the input error', () => {
    for (const bad of [NaN, Infinity, -Infinity]) {
      const r = readRow('a.jpg', Float32Array.of(1, bad, 2), classify('softmax'));
      expect(r).toEqual({
        key: 'a.jpg',
        top: null,
        error: "output 'out' for 'a.jpg' has 1 of 3 values NaN or infinite; no prediction",
      });
    }
    const embed = { task: { kind: 'embed' as const, output: 'feat', normalize: true }, topK: 5 };
    expect(readRow('b', Float32Array.of(NaN, NaN), embed).error).toBe(
      "output 'feat' for 'b' has 2 of 2 values NaN or infinite; no vector",
    );
  });

  it('returns an embedding as base64 float32, L2-normalised when asked', () => {
    const row = Float32Array.of(3, 4, 0);
    const raw = readRow('k', row, { task: { kind: 'embed', output: 'f', normalize: false }, topK: 5 });
    expect(raw).toMatchObject({ key: 'k', top: null, error: null });
    expect(decodeVector(raw.vector ?? '')).toEqual(row);
    const unit = readRow('k', row, { task: { kind: 'embed', output: 'f', normalize: true }, topK: 5 });
    expect(Array.from(decodeVector(unit.vector ?? ''))).toEqual([Math.fround(0.6), Math.fround(0.8), 0]);
    expect(Array.from(l2Normalized(Float32Array.of(0, 0)))).toEqual([0, 0]);
  });

  it('turns a row it could not report into the input error: scores outside [0, 1] with none, an oversized vector', () => {
    const r = readRow('a.jpg', Float32Array.of(0.2, 3.5, -1), classify('none'));
    expect(r).toEqual({
      key: 'a.jpg',
      top: null,
      error:
        "output 'out' for 'a.jpg': score 3.5 of class 1 is not a probability (0 to 1): activation 'none' reports the model's values as they are (use softmax for logits, sigmoid for a multi-label model); no prediction",
    });
    expect(resultBoundsProblem(r)).toBeUndefined(); // the dispatcher keeps it
    expect(readRow('b', Float32Array.of(0.25, 0.75, 0), classify('none')).top?.[0]?.score).toBe(0.75);
    const huge = readRow('v', new Float32Array(MAX_VECTOR_VALUES + 1), {
      task: { kind: 'embed', output: 'f', normalize: false },
      topK: 5,
    });
    expect(huge).toEqual({
      key: 'v',
      top: null,
      error: `output 'f' for 'v': a vector of more than ${MAX_VECTOR_VALUES} values; no vector`,
    });
  });

  it('applies threshold and labels through the task', () => {
    const r = readRow('x', Float32Array.of(4, -4, 0.5), {
      ...classify('sigmoid', 0.6),
      labels: ['p', 'q', 'r'],
    });
    expect(r.top?.map((s) => s.label)).toEqual(['p', 'r']);
  });
});
