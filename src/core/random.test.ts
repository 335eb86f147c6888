import { describe, expect, it } from 'vitest';
import { Random } from './random.js';

describe('Random', () => {
  it('is deterministic from its seed and differs across seeds', () => {
    const a = Array.from(
      { length: 5 },
      (
        (r) => () =>
          r.next()
      )(new Random(7)),
    );
    const b = Array.from(
      { length: 5 },
      (
        (r) => () =>
          r.next()
      )(new Random(7)),
    );
    const c = Array.from(
      { length: 5 },
      (
        (r) => () =>
          r.next()
      )(new Random(8)),
    );
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });
  it('draws uniforms in [0,1) and normals with the right moments', () => {
    const r = new Random(1);
    let sum = 0;
    let sq = 0;
    const n = 20000;
    for (let i = 0; i < n; i++) {
      const u = r.next();
      expect(u).toBeGreaterThanOrEqual(0);
      expect(u).toBeLessThan(1);
      const z = r.normal();
      sum += z;
      sq += z * z;
    }
    expect(Math.abs(sum / n)).toBeLessThan(0.05);
    expect(Math.abs(sq / n - 1)).toBeLessThan(0.05);
  });
});
