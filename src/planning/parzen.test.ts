import { describe, expect, it } from 'vitest';
import { Random } from '../core/random.js';
import { categoricalEstimator, normalCdf, numericEstimator } from './parzen.js';

describe('Parzen estimators', () => {
  it('compute the normal CDF', () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 7);
    expect(normalCdf(1.959964)).toBeCloseTo(0.975, 6);
    expect(normalCdf(-1)).toBeCloseTo(0.158655, 6);
  });

  it('give integer parameters a probability mass that sums to 1 and peaks at the data', () => {
    const est = numericEstimator({ type: 'int', min: 1, max: 12 }, [3, 3, 4]);
    let total = 0;
    for (let x = 1; x <= 12; x++) total += Math.exp(est.logDensity(x));
    expect(total).toBeCloseTo(1, 6);
    expect(est.logDensity(3)).toBeGreaterThan(est.logDensity(10));
  });

  it('give float parameters a density that integrates to 1, also on a log scale', () => {
    for (const log of [false, true]) {
      const est = numericEstimator({ type: 'float', min: 1, max: 100, log }, [2, 50]);
      // Integrate over u = log x for the log scale: the density is in u.
      const lo = log ? 0 : 1;
      const hi = log ? Math.log(100) : 100;
      const steps = 20000;
      let total = 0;
      for (let i = 0; i < steps; i++) {
        const u = lo + ((i + 0.5) * (hi - lo)) / steps;
        total += (Math.exp(est.logDensity(log ? Math.exp(u) : u)) * (hi - lo)) / steps;
      }
      expect(total).toBeCloseTo(1, 3);
    }
  });

  it('sample inside the range, near the data', () => {
    const random = new Random(1);
    const est = numericEstimator({ type: 'float', min: 0, max: 10 }, [9, 9.5, 8.8, 9.2]);
    const draws = Array.from({ length: 1000 }, () => est.sample(random) as number);
    expect(Math.min(...draws)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...draws)).toBeLessThanOrEqual(10);
    expect(draws.filter((d) => d > 7).length).toBeGreaterThan(600);
  });

  it('smooth categorical frequencies with the prior', () => {
    const est = categoricalEstimator({ type: 'categorical', values: ['a', 'b', 'c', 'd'] }, ['a', 'a', 'b']);
    expect(Math.exp(est.logDensity('a'))).toBeCloseTo(2.25 / 4, 10);
    expect(Math.exp(est.logDensity('d'))).toBeCloseTo(0.25 / 4, 10);
    expect(est.logDensity('z')).toBe(-1000);
  });
});
