import { describe, expect, it } from 'vitest';
import { SpecError } from '../errors.js';
import { simulatedJobs, simulatedJobsFromFlags } from './simulated-jobs.js';

describe('simulatedJobsFromFlags', () => {
  it('reads the settings it shares with run from flags over the environment, with run defaults', () => {
    expect(simulatedJobsFromFlags({}, {})).toMatchObject({
      mode: 'static',
      workers: 50,
      splitSize: 32,
      maxRetries: 1,
      faults: undefined,
    });
    const env = { OBIFAAS_WORKERS: '7', OBIFAAS_MODE: 'dynamic', OBIFAAS_SPECULATION: 'yes' };
    const jobs = simulatedJobsFromFlags({ workers: '3', delayPercent: '10' }, env);
    expect(jobs).toMatchObject({ mode: 'dynamic', workers: 3, splitSize: 32 });
    expect(jobs.dispatch).toMatchObject({
      type: 'dynamic',
      maxSplitRetries: 1,
      speculation: { quantile: 0.75 },
    });
    expect(jobs.faults).toEqual({ failPercent: 0, delayPercent: 10, delayMaxMs: 5000, seed: 1 });
    expect(() => simulatedJobsFromFlags({ splitSize: '0' }, { OBIFAAS_FAULT_SEED: 'x' })).toThrow(
      /OBIFAAS_FAULT_SEED \(environment\): expected an integer, got 'x'.*splitSize \(from --split-size\)/,
    );
  });
});

describe('simulatedJobs', () => {
  it('takes job options as values (from code), checked as a job spec checks them', () => {
    const jobs = simulatedJobs([
      {
        source: '',
        values: { mode: 'dynamic', maxRetries: 2, speculation: { enabled: true, interval: '1s' } },
      },
    ]);
    expect(jobs).toMatchObject({ mode: 'dynamic', workers: 50, splitSize: 32, maxRetries: 2 });
    expect(jobs.dispatch).toMatchObject({ maxSplitRetries: 2, speculation: { intervalMs: 1000 } });
    const bad = (): unknown => simulatedJobs([{ source: '', values: { faults: { failPercent: 101 } } }]);
    expect(bad).toThrow(SpecError);
    // Named by its option path alone: no flag or variable gave it.
    expect(bad).toThrow(/faults\.failPercent: .*100/);
    expect(bad).not.toThrow(/\(from /);
  });
});
