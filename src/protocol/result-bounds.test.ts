import { describe, expect, it } from 'vitest';
import { MAX_VECTOR_VALUES } from './limits.js';
import { resultBoundsProblem, resultProblem } from './result-bounds.js';
import { encodeVector } from './vector-encoding.js';

const vectorResult = (values: Float32Array) => ({
  key: 'k',
  top: null,
  error: null,
  vector: encodeVector(values),
});

describe('result bounds', () => {
  it('keep a probability and a vector of finite values within the bound', () => {
    expect(resultProblem({ key: 'k', top: [{ class: 2, score: 1 }], error: null })).toBeUndefined();
    expect(resultProblem(vectorResult(new Float32Array(MAX_VECTOR_VALUES)))).toBeUndefined();
  });

  it('refuse a score outside [0, 1], naming the input when asked', () => {
    const result = { key: 'a.jpg', top: [{ class: 2, score: 7 }], error: null };
    expect(resultProblem(result)).toBe('score 7 of class 2 is not a probability (0 to 1)');
    expect(resultBoundsProblem(result)).toBe(
      'input "a.jpg": score 7 of class 2 is not a probability (0 to 1)',
    );
  });

  it('refuse a vector over the bound, with NaN or infinite values, or not float32 values', () => {
    expect(resultProblem(vectorResult(new Float32Array(MAX_VECTOR_VALUES + 1)))).toBe(
      `a vector of more than ${MAX_VECTOR_VALUES} values`,
    );
    expect(resultProblem(vectorResult(Float32Array.of(1, Number.POSITIVE_INFINITY, Number.NaN)))).toBe(
      'a vector with 2 NaN or infinite values',
    );
    expect(resultProblem({ key: 'k', top: null, error: null, vector: 'AAA=' })).toBe(
      'a vector that is not whole float32 values',
    );
  });
});
