import { describe, expect, it } from 'vitest';
import { UserError } from '../errors.js';
import { applyPolicy, defaultPolicy, fixedPolicy, resolvePolicy } from './policies.js';
import type { JobPolicy } from './types.js';

describe('job policies', () => {
  it('default: static jobs get ceil(inputs / splitSize) workers, dynamic jobs keep theirs', () => {
    expect(defaultPolicy({ mode: 'static', inputs: 100, workers: 3, splitSize: 32 }).workers).toBe(4);
    expect(defaultPolicy({ mode: 'static', inputs: 96, workers: 3, splitSize: 32 }).workers).toBe(3);
    expect(defaultPolicy({ mode: 'dynamic', inputs: 100, workers: 50, splitSize: 32 }).workers).toBe(50);
  });

  it('fixed keeps the asked workers in both modes and does not mutate its input', () => {
    const job = { mode: 'static' as const, inputs: 100, workers: 3, splitSize: 32 };
    const out = fixedPolicy(job);
    expect(out).toEqual(job);
    expect(out).not.toBe(job);
  });

  it('resolves built-ins and policies handed in from outside; unknown names list the known ones', () => {
    const cpr: JobPolicy = (job) => ({ ...job, workers: 7 });
    expect(resolvePolicy('default')).toBe(defaultPolicy);
    expect(resolvePolicy('cpr', { cpr })).toBe(cpr);
    expect(() => resolvePolicy('cpr')).toThrow(UserError);
    expect(() => resolvePolicy('nope', { cpr })).toThrow(
      "unknown policy 'nope' (known: cpr, default, fixed)",
    );
    expect(() => resolvePolicy('toString')).toThrow(UserError);
  });

  it('applyPolicy rejects a policy that changes inputs or returns nonsense', () => {
    const job = { mode: 'dynamic' as const, inputs: 10, workers: 2, splitSize: 4 };
    expect(() => applyPolicy((j) => ({ ...j, inputs: 5 }), job)).toThrow(/inputs/);
    expect(() => applyPolicy((j) => ({ ...j, workers: Number.NaN }), job)).toThrow(/workers/);
    expect(() => applyPolicy((j) => ({ ...j, splitSize: 0 }), job)).toThrow(/splitSize/);
    expect(applyPolicy((j) => ({ ...j, workers: 9 }), job).workers).toBe(9);
  });
});

describe('planning policies plug in through the hook', () => {
  it('cprPolicy from planning is a JobPolicy and sets workers', async () => {
    const { cprPolicy } = await import('../planning/planner.js');
    const { REFERENCE_CPR_MODEL } = await import('../planning/cpr-model.js');
    const cpr = cprPolicy(8, { model: REFERENCE_CPR_MODEL, pricePerSecondUsd: 4.9e-5, maxWorkers: 100 });
    const policy = resolvePolicy('cpr', { cpr });
    const shaped = applyPolicy(policy, { mode: 'dynamic', inputs: 1000, workers: 50, splitSize: 32 });
    expect(shaped.workers).toBeGreaterThanOrEqual(1);
    expect(shaped.workers).toBeLessThanOrEqual(32);
    expect(shaped.inputs).toBe(1000);
  });
});
