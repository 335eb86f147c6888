import { describe, expect, it } from 'vitest';
import { LAMBDA_PRICES, pricePerSecondUsd, summarizeCost } from '../core/pricing.js';
import { OBJECTIVES, parseObjective, scoreTrial } from './worker-objective.js';

const prices = LAMBDA_PRICES.x86_64;

describe('scoreTrial', () => {
  it('computes every objective from the compute seconds at the trial memory', () => {
    const m = { images: 32, computeSeconds: 2, memoryMb: 2048 };
    const cost = summarizeCost([{ billedMs: 2000, initMs: 0, memoryMb: 2048 }], 32, prices).costUsd;
    const throughput = scoreTrial('throughput', m, prices);
    expect(throughput.value).toBeCloseTo(16, 9);
    expect(throughput.costUsd).toBeCloseTo(cost, 15);
    expect(throughput.pricePerSecondUsd).toBeCloseTo(pricePerSecondUsd(prices, 2048), 15);
    expect(scoreTrial('cost-per-image', m, prices).value).toBeCloseTo(cost / 32, 15);
    // images per second over dollars per second: images per dollar.
    const tpd = scoreTrial('throughput-per-dollar', m, prices).value!;
    expect(tpd).toBeCloseTo(16 / (cost / 2), 3);
    expect(tpd).toBeCloseTo(32 / cost, 3);
  });

  it('prefers less memory at the same speed, and more speed at the same memory', () => {
    const at = (computeSeconds: number, memoryMb: number): number =>
      scoreTrial('throughput-per-dollar', { images: 32, computeSeconds, memoryMb }, prices).value!;
    expect(at(1, 1024)).toBeGreaterThan(at(1, 2048));
    expect(at(1, 2048)).toBeGreaterThan(at(2, 2048));
    expect(OBJECTIVES['throughput-per-dollar'].direction).toBe('maximize');
    expect(OBJECTIVES['cost-per-image'].direction).toBe('minimize');
  });

  it('gives no value for a measurement without compute time', () => {
    for (const computeSeconds of [0, -1, Number.NaN]) {
      expect(
        scoreTrial('throughput', { images: 8, computeSeconds, memoryMb: 1024 }, prices).value,
      ).toBeNull();
      expect(
        scoreTrial('cost-per-image', { images: 8, computeSeconds, memoryMb: 1024 }, prices).value,
      ).toBeNull();
    }
  });
});

describe('parseObjective', () => {
  it('accepts the three names and lists them for anything else', () => {
    expect(parseObjective('throughput')).toBe('throughput');
    expect(() => parseObjective('speed')).toThrow(
      "--objective: unknown objective 'speed'; expected one of: throughput-per-dollar, cost-per-image, throughput",
    );
  });
});
