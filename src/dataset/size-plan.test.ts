import { describe, expect, it } from 'vitest';
import { planDataset, planImage } from './size-plan.js';

const mean = (values: number[]): number => values.reduce((s, v) => s + v, 0) / values.length;
const isSmall = (p: { width: number; height: number }): boolean => Math.min(p.width, p.height) < 200;
const isLarge = (p: { width: number; height: number }): boolean => Math.max(p.width, p.height) > 1000;

describe('size plan', () => {
  it('is deterministic, and a smaller dataset is a prefix of a larger one', () => {
    expect(planDataset(50, 9)).toEqual(planDataset(50, 9));
    expect(planDataset(256, 9).slice(0, 64)).toEqual(planDataset(64, 9));
    expect(planDataset(20, 9)).not.toEqual(planDataset(20, 10));
  });

  it('averages about 500 px wide and 435 px high over 60 images, like ImageNet photos', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const plans = planDataset(60, seed);
      expect(mean(plans.map((p) => p.width)), `seed ${seed}`).toBeGreaterThan(440);
      expect(mean(plans.map((p) => p.width)), `seed ${seed}`).toBeLessThan(560);
      expect(mean(plans.map((p) => p.height)), `seed ${seed}`).toBeGreaterThan(370);
      expect(mean(plans.map((p) => p.height)), `seed ${seed}`).toBeLessThan(490);
    }
  });

  it('makes 500x375 the most common size', () => {
    const counts = new Map<string, number>();
    for (const p of planDataset(1000, 1))
      counts.set(`${p.width}x${p.height}`, (counts.get(`${p.width}x${p.height}`) ?? 0) + 1);
    const top = [...counts].sort((a, b) => b[1] - a[1])[0];
    expect(top?.[0]).toBe('500x375');
  });

  it('mixes orientations: mostly landscape, about 30 % portrait, some square', () => {
    const plans = planDataset(1000, 3);
    const share = (f: (p: (typeof plans)[number]) => boolean): number =>
      plans.filter(f).length / plans.length;
    expect(share((p) => p.width > p.height)).toBeGreaterThan(0.5);
    expect(share((p) => p.height > p.width)).toBeGreaterThan(0.25);
    expect(share((p) => p.height > p.width)).toBeLessThan(0.35);
    expect(share((p) => p.orientation === 'square')).toBeGreaterThan(0.07);
    for (const p of plans.filter((q) => q.orientation === 'square')) {
      expect(Math.abs(p.width - p.height) / p.width).toBeLessThan(0.05);
    }
  });

  it('has about 5 % small and 5 % large images, and some of each in every 40 consecutive', () => {
    const plans = planDataset(2000, 4);
    expect(plans.filter(isSmall).length / 2000).toBeGreaterThan(0.035);
    expect(plans.filter(isSmall).length / 2000).toBeLessThan(0.065);
    expect(plans.filter(isLarge).length / 2000).toBeGreaterThan(0.035);
    expect(plans.filter(isLarge).length / 2000).toBeLessThan(0.065);
    for (let start = 0; start + 40 <= plans.length; start += 40) {
      const window = plans.slice(start, start + 40);
      expect(window.some(isSmall), `images ${start}..${start + 39}`).toBe(true);
      expect(window.some(isLarge), `images ${start}..${start + 39}`).toBe(true);
    }
  });

  it('keeps every size positive and bounded', () => {
    const plans = planDataset(2000, 5);
    expect(Math.min(...plans.map((p) => Math.min(p.width, p.height)))).toBeGreaterThanOrEqual(30);
    expect(Math.max(...plans.map((p) => Math.max(p.width, p.height)))).toBeLessThanOrEqual(1600);
    expect(plans.every((p) => Number.isInteger(p.width) && Number.isInteger(p.height))).toBe(true);
  });

  it('draws JPEG quality from the range, both ends included', () => {
    const qualities = planDataset(500, 6).map((p) => p.quality);
    expect(Math.min(...qualities)).toBe(85);
    expect(Math.max(...qualities)).toBe(95);
    const custom = planDataset(100, 6, { qualityMin: 70, qualityMax: 72 }).map((p) => p.quality);
    expect(new Set(custom)).toEqual(new Set([70, 71, 72]));
  });

  it('gives each image its own content seed', () => {
    const seeds = new Set(planDataset(1000, 7).map((p) => p.contentSeed));
    expect(seeds.size).toBe(1000);
    expect(planImage(7, 3)).toEqual(planDataset(5, 7)[3]);
  });
});
