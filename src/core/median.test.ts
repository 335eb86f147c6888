import { describe, expect, it } from 'vitest';
import { median, quantile } from './median.js';

describe('median and quantile', () => {
  it('take the middle value, or the mean of the middle two, of numbers in any order', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([7])).toBe(7);
    expect(median([])).toBeNull();
  });

  it('interpolate a quantile between the nearest values, clamped to 0..1', () => {
    const values = [10, 40, 20, 30];
    expect(quantile(values, 0.5)).toBe(median(values));
    expect(quantile(values, 0)).toBe(10);
    expect(quantile(values, 1)).toBe(40);
    expect(quantile(values, 0.25)).toBe(17.5);
    expect(quantile(values, 2)).toBe(40);
    expect(quantile([], 0.5)).toBeNull();
  });
});
