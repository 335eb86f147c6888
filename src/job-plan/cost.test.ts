/** Predicted cost from a profile or a CPR model, priced like a finished job; unknown without one. */
import { describe, expect, it } from 'vitest';
import { LAMBDA_PRICES, pricePerSecondUsd, summarizeCost } from '../core/pricing.js';
import { sizeRanges, chunkRanges } from '../core/splitting.js';
import { REFERENCE_CPR_MODEL, predictSeconds } from '../planning/cpr-model.js';
import { predictCost, type CostInput } from './cost.js';
import type { TimeEstimate } from './types.js';

const prices = LAMBDA_PRICES.x86_64;
const profile: TimeEstimate = {
  kind: 'profile',
  name: 'p',
  memoryMb: 2048,
  secondsPerImage: 0.5,
  perSplitOverheadSeconds: 1,
  initSeconds: 4,
};

function input(overrides: Partial<CostInput>): CostInput {
  return {
    mode: 'static',
    splits: chunkRanges(40, 4),
    invocations: { count: 4, atOnce: 4 },
    memoryMb: 2048,
    prices,
    ...overrides,
  };
}

describe('predictCost', () => {
  it('is unknown without a time estimate, and gives the price of a function-second', () => {
    expect(predictCost(input({}))).toEqual({
      known: false,
      reason: 'no time estimate was given',
      priceModel: 'aws-lambda-x86_64',
      usdPerFunctionSecond: pricePerSecondUsd(prices, 2048),
    });
  });

  it('is unknown for an estimate measured at another memory size', () => {
    const cost = predictCost(input({ estimate: profile, memoryMb: 1024 }));
    expect(cost).toMatchObject({
      known: false,
      reason: 'profile p was measured at 2048 MB, and the functions have 1024 MB',
    });
  });

  it('static, from a profile: each chunk after a cold start, priced by summarizeCost', () => {
    const cost = predictCost(input({ estimate: profile }));
    // 4 chunks of 10: 1 + 10 x 0.5 = 6 s each, plus 4 s init each (billed).
    const expected = summarizeCost(
      Array.from({ length: 4 }, () => ({ billedMs: 6000, initMs: 4000, memoryMb: 2048 })),
      40,
      prices,
    );
    expect(cost).toMatchObject({
      known: true,
      basis: 'profile p',
      costUsd: expected.costUsd,
      billedSeconds: 40,
      initSeconds: 16,
      latencySeconds: 10,
    });
    // Two at a time: two rounds.
    expect(predictCost(input({ estimate: profile, invocations: { count: 4, atOnce: 2 } }))).toMatchObject({
      costUsd: expected.costUsd,
      latencySeconds: 20,
    });
  });

  it('dynamic, from a profile: workers start cold once and pull the splits in turn', () => {
    const cost = predictCost(
      input({
        mode: 'dynamic',
        splits: sizeRanges(40, 8),
        invocations: { count: 2, atOnce: 2 },
        estimate: profile,
      }),
    );
    // 5 splits of 8: 1 + 4 = 5 s each; worker 0 takes 3 (15 s), worker 1 takes 2 (10 s).
    expect(cost).toMatchObject({
      known: true,
      billedSeconds: 25 + 8,
      initSeconds: 8,
      latencySeconds: 4 + 15,
    });
  });

  it('from a CPR model: its billed seconds for n images on w workers', () => {
    const model = { ...REFERENCE_CPR_MODEL, memoryMb: 2048 };
    const cost = predictCost(
      input({
        splits: chunkRanges(200, 7),
        invocations: { count: 7, atOnce: 7 },
        estimate: { kind: 'cpr-model', name: 'm', model },
      }),
    );
    expect(cost.known).toBe(true);
    if (!cost.known) return;
    expect(cost.billedSeconds).toBeCloseTo(predictSeconds(model, 7, 200), 1);
    expect(cost.costUsd).toBeCloseTo(
      predictSeconds(model, 7, 200) * pricePerSecondUsd(prices, 2048) + 7 * prices.usdPerRequest,
      6,
    );
  });

  it('costs nothing when nothing is left to run', () => {
    expect(predictCost(input({ splits: [], invocations: { count: 0, atOnce: 0 } }))).toMatchObject({
      known: true,
      costUsd: 0,
      basis: 'nothing to run',
    });
  });
});
