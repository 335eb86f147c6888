import { describe, expect, it } from 'vitest';
import { formatUsd } from './money.js';

describe('formatUsd', () => {
  it.each([
    [0, '$0'],
    [4.454, '$4.45'],
    [8.346e-4, '$0.000835'],
    [8e-7, '$0.000000800'],
    [Number.NaN, '-'],
  ])('%s is %s', (value, text) => {
    expect(formatUsd(value)).toBe(text);
  });
});
