import { describe, expect, it } from 'vitest';
import { SpecError } from '../errors.js';
import { predictCpr, predictLatency, REFERENCE_CPR_MODEL, type CprModel } from './cpr-model.js';
import { cprPolicy, deadlinePolicy, planOptions, planWorkers, type PlanRequest } from './planner.js';
import { samplingPlan } from './sampling-plan.js';
import { MAX_WORKERS } from '../protocol/limits.js';

const PRICE = (3008 / 1024) * 1.6667e-5;
const base = { model: REFERENCE_CPR_MODEL, pricePerSecondUsd: PRICE, maxWorkers: 1000, batchSize: 32 };

/**
 * A model whose CPR dips in the middle: init cost falls with workers (a1 < 0 is unphysical but
 * shapes the curve) while compute rises, so CPR is high at 1 worker, low in the middle, and high
 * again at many workers. The reference's bisection assumes CPR rises with workers and misses this.
 */
const dipping: CprModel = {
  version: 1,
  form: 'obifaas-cpr-v1',
  init: { a0: 8, a1: -1.5 },
  compute: { b1: 0.6, b2: 1, b3: -2 },
};

describe('planWorkers for a CPR target', () => {
  it('returns the fastest count within the target on the reference model (monotonic CPR)', () => {
    const plan = planWorkers({ ...base, images: 1000, target: { type: 'cpr', usdPerMillion: 8 } });
    expect(plan.feasible).toBe(true);
    expect(plan.predictedCprPerMillion).toBeLessThanOrEqual(8);
    // The next count costs more than the target: more workers would break it.
    expect(predictCpr(REFERENCE_CPR_MODEL, plan.workers + 1, 1000, PRICE) * 1e6).toBeGreaterThan(8);
    expect(plan.predictedLatencySeconds).toBeCloseTo(
      predictLatency(REFERENCE_CPR_MODEL, plan.workers, 1000),
      12,
    );
    expect(plan.maxWorkersConsidered).toBe(32);
    // CPR rises with workers: every count up to the chosen one meets the target.
    expect(plan.meeting).toEqual({ count: plan.workers, ranges: [[1, plan.workers]] });
  });

  it('finds every count within the target on a non-monotonic curve and picks the fastest', () => {
    const options = planOptions({ ...base, model: dipping, images: 2000 });
    const cprs = options.map((o) => o.predictedCprPerMillion);
    const cheapest = options.reduce((a, b) => (b.predictedCprPerMillion < a.predictedCprPerMillion ? b : a));
    expect(cheapest.workers).toBeGreaterThan(1);
    expect(cheapest.workers).toBeLessThan(options.length);
    expect(cprs[0]!).toBeGreaterThan(cheapest.predictedCprPerMillion * 1.5);
    const target = cheapest.predictedCprPerMillion * 1.2;
    const plan = planWorkers({
      ...base,
      model: dipping,
      images: 2000,
      target: { type: 'cpr', usdPerMillion: target },
    });
    const within = options.filter((o) => o.predictedCprPerMillion <= target);
    const fastest = within.reduce((a, b) => (b.predictedLatencySeconds < a.predictedLatencySeconds ? b : a));
    expect(plan.feasible).toBe(true);
    expect(plan.workers).toBe(fastest.workers);
    expect(plan.workers).toBeGreaterThan(cheapest.workers);
    // The counts that meet the target are one band around the cheapest, away from 1 worker.
    expect(plan.meeting.count).toBe(within.length);
    expect(plan.meeting.ranges).toEqual([[within[0]!.workers, within[within.length - 1]!.workers]]);
    expect(plan.meeting.ranges[0]![0]).toBeGreaterThan(1);
  });

  it('says clearly when no count meets the target and returns the cheapest', () => {
    const plan = planWorkers({ ...base, images: 1000, target: { type: 'cpr', usdPerMillion: 1 } });
    expect(plan.feasible).toBe(false);
    expect(plan.meeting).toEqual({ count: 0, ranges: [] });
    expect(plan.workers).toBe(1);
    expect(plan.reason).toMatch(
      /no worker count from 1 to 32 meets \$1\.00 per million images; the cheapest, 1 worker\(s\), costs \$5\.9/,
    );
  });

  it('never considers more workers than maxWorkers or ceil(images / batchSize)', () => {
    expect(
      planWorkers({ ...base, images: 1000, maxWorkers: 5, target: { type: 'cpr', usdPerMillion: 100 } })
        .workers,
    ).toBe(5);
    expect(
      planWorkers({ ...base, images: 10, target: { type: 'cpr', usdPerMillion: 100 } }).maxWorkersConsidered,
    ).toBe(1);
  });

  it(`refuses more than ${MAX_WORKERS} workers rather than scan them all`, () => {
    const huge = {
      ...base,
      images: 1e12,
      batchSize: 1,
      target: { type: 'cpr', usdPerMillion: 100 },
    } as const;
    expect(() => planWorkers({ ...huge, maxWorkers: 1e11 })).toThrow(
      `invalid plan request: maxWorkers: expected at most ${MAX_WORKERS}, got 100000000000`,
    );
    expect(planWorkers({ ...huge, maxWorkers: MAX_WORKERS }).maxWorkersConsidered).toBe(MAX_WORKERS);
  });
});

describe('planWorkers for a deadline', () => {
  it('returns the cheapest count that meets the deadline', () => {
    const plan = planWorkers({ ...base, images: 5000, target: { type: 'deadline', seconds: 60 } });
    expect(plan.feasible).toBe(true);
    expect(plan.predictedLatencySeconds).toBeLessThanOrEqual(60);
    const cheaperAndOnTime = planOptions({ ...base, images: 5000 }).filter(
      (o) => o.predictedLatencySeconds <= 60 && o.predictedCprPerMillion < plan.predictedCprPerMillion,
    );
    expect(cheaperAndOnTime).toEqual([]);
    expect(predictLatency(REFERENCE_CPR_MODEL, plan.workers - 1, 5000)).toBeGreaterThan(60);
  });

  it('returns the fastest count with a reason when the deadline cannot be met', () => {
    const plan = planWorkers({
      ...base,
      images: 5000,
      maxWorkers: 4,
      target: { type: 'deadline', seconds: 1 },
    });
    expect(plan.feasible).toBe(false);
    expect(plan.workers).toBe(4);
    expect(plan.reason).toMatch(
      /no worker count from 1 to 4 meets the 1\.000 s deadline; the fastest, 4 worker\(s\), takes/,
    );
  });

  it('refuses nonsense requests: one SpecError naming every bad field', () => {
    const refusal = (request: PlanRequest): SpecError => {
      try {
        planWorkers(request);
      } catch (err) {
        expect(err).toBeInstanceOf(SpecError);
        return err as SpecError;
      }
      throw new Error('planWorkers accepted a bad request');
    };
    expect(refusal({ ...base, images: 0, target: { type: 'deadline', seconds: 1 } }).message).toBe(
      'invalid plan request: images: expected an integer >= 1, got 0',
    );
    expect(
      refusal({
        ...base,
        images: 10,
        maxWorkers: 0,
        batchSize: 1.5,
        target: { type: 'deadline', seconds: -1 },
      }).issues,
    ).toEqual([
      { path: 'maxWorkers', message: 'expected an integer >= 1, got 0' },
      { path: 'batchSize', message: 'expected an integer >= 1, got 1.5' },
      { path: 'target.seconds', message: 'expected a number > 0, got -1' },
    ]);
    expect(
      refusal({
        ...base,
        images: 10,
        pricePerSecondUsd: 0,
        target: { type: 'cpr', usdPerMillion: Number.NaN },
      }).issues,
    ).toEqual([
      { path: 'pricePerSecondUsd', message: 'expected a number > 0, got 0' },
      { path: 'target.usdPerMillion', message: 'expected a number > 0, got NaN' },
    ]);
  });
});

describe('job policies', () => {
  it('set workers from the plan and keep the rest of the job', () => {
    const seen: boolean[] = [];
    const policy = cprPolicy(8, { ...base, onPlan: (plan) => seen.push(plan.feasible) });
    const job = { id: 'j1', inputs: 1000, workers: 50, splitSize: 32, mode: 'dynamic' as const };
    const planned = policy(job);
    expect(planned).toEqual({
      ...job,
      workers: planWorkers({ ...base, images: 1000, target: { type: 'cpr', usdPerMillion: 8 } }).workers,
    });
    expect(job.workers).toBe(50);
    expect(seen).toEqual([true]);
    const fast = deadlinePolicy(30, base)(job);
    expect(fast.workers).toBeGreaterThan(planned.workers);
  });
});

describe('samplingPlan', () => {
  it("follows the reference's plan: 30 linear and 30 log-spaced pairs within images / batch", () => {
    const plan = samplingPlan({ maxImages: 1000, batchSize: 32, seed: 5 });
    expect(plan).toHaveLength(60);
    expect(plan.map((p) => p.index)).toEqual([...Array(60).keys()]);
    expect(plan.filter((p) => p.spacing === 'linear')).toHaveLength(30);
    expect(plan[0]!.images).toBe(32);
    expect(plan[29]!.images).toBe(1000);
    expect(plan[59]!.images).toBe(1000);
    for (const p of plan) {
      expect(p.workers).toBeGreaterThanOrEqual(1);
      expect(p.workers).toBeLessThanOrEqual(Math.max(1, Math.floor(p.images / 32)));
    }
    expect(new Set(plan.map((p) => p.workers)).size).toBeGreaterThan(10);
    expect(samplingPlan({ maxImages: 1000, batchSize: 32, seed: 5 })).toEqual(plan);
    expect(samplingPlan({ maxImages: 1000, batchSize: 32, seed: 6 })).not.toEqual(plan);
  });

  it('handles tiny plans and refuses bad options', () => {
    expect(samplingPlan({ maxImages: 4, batchSize: 8, linear: 2, log: 1 })).toEqual([
      { index: 0, images: 4, workers: 1, spacing: 'linear' },
      { index: 1, images: 4, workers: 1, spacing: 'linear' },
      { index: 2, images: 4, workers: 1, spacing: 'log' },
    ]);
    expect(() => samplingPlan({ maxImages: 0, batchSize: 8 })).toThrow(/maxImages/);
    expect(() => samplingPlan({ maxImages: 10, batchSize: 2, minImages: 20 })).toThrow(
      /minImages \(20\) is larger/,
    );
    expect(() => samplingPlan({ maxImages: 10, batchSize: 2, linear: 0, log: 0 })).toThrow(/empty/);
  });
});
