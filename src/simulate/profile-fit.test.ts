import { describe, expect, it } from 'vitest';
import { Random } from '../core/random.js';
import { parseProfile } from './profile.js';
import { fitProfile, type SplitSample } from './profile-fit.js';

const base = { name: 'measured', memoryMb: 2048, splitSize: 32, concurrencyLimit: 8 };

describe('fitProfile', () => {
  it('recovers overhead and time per image from exact measurements', () => {
    const splits: SplitSample[] = [8, 16, 32, 32, 5].map((images) => ({
      images,
      seconds: 0.3 + 0.05 * images,
    }));
    const p = fitProfile({ ...base, splits, initSeconds: [1.2, 1.0, 5.0] });
    expect(p.perSplitOverheadSeconds).toBeCloseTo(0.3, 9);
    expect(p.secondsPerSplit).toBeCloseTo(0.05 * 32, 9);
    expect(p.initSeconds).toBe(1.2);
    expect(p.serviceTimeCv).toBeCloseTo(0, 9);
    const parsed = parseProfile(p, 'fitted');
    expect(parsed.secondsPerImage).toBeCloseTo(0.05, 9);
  });

  it('fits through the origin when all splits have one size, and measures the spread', () => {
    const rng = new Random(3);
    const splits = Array.from({ length: 200 }, () => ({ images: 32, seconds: 2 * (1 + 0.2 * rng.normal()) }));
    const p = fitProfile({ ...base, splits, initSeconds: [] });
    expect(p.perSplitOverheadSeconds).toBe(0);
    expect(p.secondsPerSplit as number).toBeCloseTo(2, 1);
    expect(p.serviceTimeCv as number).toBeGreaterThan(0.15);
    expect(p.serviceTimeCv as number).toBeLessThan(0.25);
    expect(p.initSeconds).toBe(0);
  });

  it('refuses to fit nothing', () => {
    expect(() => fitProfile({ ...base, splits: [{ images: 0, seconds: 1 }], initSeconds: [] })).toThrow(
      /no split measurements/,
    );
  });
});
