import { describe, expect, it } from 'vitest';
import { formatSeconds } from './format.js';

describe('formatSeconds', () => {
  it('says seconds as people say them', () => {
    expect([0.85, 12.34, 245, 7800].map(formatSeconds)).toEqual([
      '850 ms',
      '12.3 s',
      '4 min 05 s',
      '2 h 10 min',
    ]);
  });

  it('rounds to the unit it shows before splitting, never showing 60 of one unit or 1000 ms', () => {
    expect(formatSeconds(10_779)).toBe('3 h 00 min');
    expect(formatSeconds(299.7)).toBe('5 min 00 s');
    expect(formatSeconds(3599.6)).toBe('1 h 00 min');
    expect(formatSeconds(99.97)).toBe('1 min 40 s');
    expect(formatSeconds(9.998)).toBe('10.0 s');
    expect(formatSeconds(0.9996)).toBe('1.00 s');
  });
});
