import { describe, expect, it } from 'vitest';
import { UserError } from '../errors.js';
import { LAMBDA_PRICES, pricePerSecondUsd, resolvePrices, summarizeCost } from './pricing.js';

describe('resolvePrices', () => {
  it('defaults to Lambda x86_64 and applies overrides', () => {
    expect(resolvePrices()).toEqual(LAMBDA_PRICES.x86_64);
    const arm = resolvePrices({ arch: 'arm64', usdPerRequest: 0 });
    expect(arm.usdPerGbSecond).toBe(1.3334e-5);
    expect(arm.usdPerRequest).toBe(0);
    expect(arm.arch).toBe('arm64');
  });

  it('refuses a negative or non-finite price, naming the field', () => {
    expect(() => resolvePrices({ usdPerGbSecond: -1 })).toThrow(/prices\.usdPerGbSecond/);
    expect(() => resolvePrices({ usdPerRequest: Number.NaN })).toThrow(UserError);
    expect(() => resolvePrices({ billingGranularityMs: 0 })).toThrow(/billingGranularityMs/);
  });

  it('prices a 3008 MB function at about 4.9e-5 $/s, as the reference', () => {
    expect(pricePerSecondUsd(LAMBDA_PRICES.x86_64, 3008)).toBeCloseTo((3008 / 1024) * 1.6667e-5, 12);
    expect(pricePerSecondUsd(LAMBDA_PRICES.x86_64, 3008)).toBeCloseTo(4.896e-5, 8);
  });
});

describe('summarizeCost', () => {
  const prices = LAMBDA_PRICES.x86_64;

  it('rounds each invocation up to the millisecond and bills init', () => {
    const s = summarizeCost(
      [
        { billedMs: 1000.2, initMs: 0, memoryMb: 1024, durationMs: 1000.2 },
        { billedMs: 499.5, initMs: 250.1, memoryMb: 2048 },
      ],
      10,
      prices,
    );
    // 1001 ms at 1 GB + ceil(749.6) = 750 ms at 2 GB = 1.001 + 1.5 GB-s
    expect(s.gbSeconds).toBeCloseTo(2.501, 12);
    expect(s.billedSeconds).toBeCloseTo(1.751, 12);
    expect(s.functionSeconds).toBeCloseTo(1.4997, 12);
    expect(s.initSeconds).toBeCloseTo(0.2501, 12);
    expect(s.requests).toBe(2);
    expect(s.computeCostUsd).toBeCloseTo(2.501 * 1.6667e-5, 15);
    expect(s.requestCostUsd).toBeCloseTo(0.4e-6, 15);
    expect(s.costUsd).toBeCloseTo(s.computeCostUsd + s.requestCostUsd, 15);
    expect(s.cprUsd).toBeCloseTo(s.costUsd / 10, 15);
    expect(s.costPerMillionImagesUsd).toBeCloseTo(s.cprUsd * 1e6, 9);
  });

  it('does not round exact milliseconds up because of floating point noise', () => {
    const s = summarizeCost([{ billedMs: 0.1 + 0.2 + 99.7, initMs: 0, memoryMb: 1024 }], 1, prices);
    expect(s.billedSeconds).toBe(0.1);
  });

  it('leaves init out when the price model does not bill it', () => {
    const s = summarizeCost([{ billedMs: 100, initMs: 900, memoryMb: 1024 }], 1, {
      ...prices,
      billsInit: false,
    });
    expect(s.billedSeconds).toBeCloseTo(0.1, 12);
    expect(s.initSeconds).toBeCloseTo(0.9, 12);
  });

  it('reports zero cost per image for a job without images, and refuses bad numbers', () => {
    expect(summarizeCost([], 0, prices).cprUsd).toBe(0);
    expect(() => summarizeCost([{ billedMs: -1, initMs: 0, memoryMb: 1024 }], 1, prices)).toThrow(
      /invocation 0: billedMs/,
    );
    expect(() => summarizeCost([{ billedMs: 1, initMs: Number.NaN, memoryMb: 1024 }], 1, prices)).toThrow(
      /initMs/,
    );
    expect(() => summarizeCost([], 1.5, prices)).toThrow(/images/);
  });
});
