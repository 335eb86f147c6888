import { describe, expect, it } from 'vitest';
import { Random } from '../core/random.js';
import { activationParams, clippedActivationParams, quantizeBias, roundHalfEven } from './quant-math.js';
import { RangeCollector } from './ranges.js';

describe('activation ranges', () => {
  const rng = new Random(5);
  // Mostly small values and a few large outliers, as after a ReLU.
  const values = Float32Array.from({ length: 100_000 }, (_, i) =>
    i % 10_000 === 0 ? 50 : Math.abs(rng.normal(0, 1)),
  );

  it('min-max keeps the outliers; percentile and entropy clip them', () => {
    const c = new RangeCollector(true);
    c.add(values.subarray(0, 50_000));
    c.add(values.subarray(50_000));
    expect(c.range('minmax').max).toBe(50);
    const p = c.range('percentile', 99.9);
    expect(p.max).toBeGreaterThan(3);
    expect(p.max).toBeLessThan(5);
    const e = c.range('entropy');
    expect(e.max).toBeGreaterThan(2);
    expect(e.max).toBeLessThan(50);
  });
});

describe('quantization parameters', () => {
  it('make zero exact and round as the runtime does', () => {
    expect(roundHalfEven(2.5)).toBe(2);
    expect(roundHalfEven(-2.5)).toBe(-2);
    expect(roundHalfEven(3.5)).toBe(4);
    const p = activationParams(-1, 3);
    expect(p.zeroPoint).toBe(64);
    expect(-p.zeroPoint * p.scale).toBeCloseTo(-1, 2);
    expect(activationParams(0.5, 2).zeroPoint).toBe(0);
  });

  it('keep a folded Clip inside its bounds', () => {
    for (const [lo, hi, clip] of [
      [-1.79, 1.8, { min: -1.7866, max: 1.917 }],
      [-5, 5, { min: -4.2, max: 3.3 }],
      [0, 6, { min: 0, max: 6 }],
    ] as const) {
      const p = clippedActivationParams(lo, hi, clip);
      expect(-p.zeroPoint * p.scale).toBeGreaterThanOrEqual(clip.min);
      expect((255 - p.zeroPoint) * p.scale).toBeLessThanOrEqual(clip.max + 1e-6);
    }
  });

  it('quantize a bias at input scale times weight scale', () => {
    const q = quantizeBias(Float32Array.of(1, -2), 0.5, Float32Array.of(0.01, 0.02));
    expect(Array.from(q.values)).toEqual([200, -200]);
  });
});
