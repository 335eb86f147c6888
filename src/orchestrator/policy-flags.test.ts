import { describe, expect, it } from 'vitest';
import { UserError } from '../errors.js';
import { defaultPolicy, fixedPolicy } from './policies.js';
import { policyFromFlags } from './policy-flags.js';

const context = { pricePerSecondUsd: (3008 / 1024) * 1.6667e-5, maxWorkers: 100 };

describe('policyFromFlags', () => {
  it('names the built-in policies', async () => {
    expect(await policyFromFlags({ policy: 'default' }, context)).toBe(defaultPolicy);
    expect(await policyFromFlags({ policy: 'fixed' }, context)).toBe(fixedPolicy);
  });

  it('builds the planning policies, which set the workers of a job', async () => {
    const cpr = await policyFromFlags({ policy: 'cpr', cprPerMillion: 1000 }, context);
    const job = cpr({ mode: 'dynamic', inputs: 5000, workers: 1, splitSize: 32 });
    expect(job.inputs).toBe(5000);
    expect(job.workers).toBeGreaterThanOrEqual(1);
    expect(job.workers).toBeLessThanOrEqual(100);
    const deadline = await policyFromFlags({ policy: 'deadline', deadline: 60_000 }, context);
    expect(
      deadline({ mode: 'dynamic', inputs: 5000, workers: 1, splitSize: 32 }).workers,
    ).toBeGreaterThanOrEqual(1);
  });

  it('says which flag is wrong or missing', async () => {
    await expect(policyFromFlags({ policy: 'fastest' }, context)).rejects.toThrow(
      /--policy: unknown policy 'fastest' \(known: default, fixed, cpr, deadline\)/,
    );
    await expect(policyFromFlags({ policy: 'cpr' }, context)).rejects.toThrow(UserError);
    await expect(policyFromFlags({ policy: 'deadline' }, context)).rejects.toThrow(/--deadline/);
    await expect(
      policyFromFlags({ policy: 'cpr', cprPerMillion: 5, cprModel: '/no/such/model.json' }, context),
    ).rejects.toThrow(/--cpr-model: cannot read '\/no\/such\/model\.json'/);
  });
});
