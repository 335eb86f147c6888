import { describe, expect, it } from 'vitest';
import { UserError } from '../errors.js';
import { ResourceProvisioner, resolveCaps } from './provisioner.js';
import type { JobShape } from './types.js';

const job = (workers: number, inputs = 1000, splitSize = 32): JobShape => ({
  mode: 'dynamic',
  inputs,
  workers,
  splitSize,
});

describe('ResourceProvisioner', () => {
  it('defaults to the reference caps: 100 workers, 1 job', () => {
    expect(new ResourceProvisioner().caps).toEqual({ maxWorkers: 100, maxJobs: 1 });
  });

  it('rejects caps that are not integers >= 1, naming the field', () => {
    expect(() => resolveCaps({ maxWorkers: 0 })).toThrow(UserError);
    expect(() => resolveCaps({ maxJobs: 1.5 })).toThrow(/maxJobs/);
  });

  it('admits exactly when runningJobs < maxJobs and runningWorkers + workers <= maxWorkers', () => {
    const p = new ResourceProvisioner({ maxWorkers: 10, maxJobs: 2 });
    expect(p.canAdmit(10)).toBe(true);
    expect(p.canAdmit(11)).toBe(false);
    p.acquire('a', 6);
    expect(p.canAdmit(4)).toBe(true);
    expect(p.canAdmit(5)).toBe(false);
    p.acquire('b', 1);
    expect(p.canAdmit(1)).toBe(false); // job cap reached with 3 workers free
    expect(() => p.acquire('c', 1)).toThrow(/does not fit/);
  });

  it('corrects workers to the capacity left, at least 1, at most the inputs; split size at least 1', () => {
    const p = new ResourceProvisioner({ maxWorkers: 10, maxJobs: 5 });
    expect(p.correct(job(50))).toEqual({ workers: 10, splitSize: 32 });
    expect(p.correct(job(50, 3))).toEqual({ workers: 3, splitSize: 32 });
    expect(p.correct(job(0, 3, 0))).toEqual({ workers: 1, splitSize: 1 });
    expect(p.correct(job(4.7, 100, 2.5))).toEqual({ workers: 4, splitSize: 2 });
    p.acquire('a', 7);
    expect(p.correct(job(50))).toEqual({ workers: 3, splitSize: 32 });
    p.acquire('b', 3);
    expect(p.correct(job(50)).workers).toBe(1); // nothing left: corrected to 1, which does not fit
  });

  it('corrects, then admits: a corrected job fits unless no worker is free or the job cap is reached', () => {
    const p = new ResourceProvisioner({ maxWorkers: 10, maxJobs: 3 });
    expect(p.plan(job(1000))).toEqual({ workers: 10, splitSize: 32 });
    p.acquire('a', 9);
    expect(p.plan(job(1000))).toEqual({ workers: 1, splitSize: 32 });
    p.acquire('b', 1);
    expect(p.plan(job(1000))).toBeNull();
    p.release('b');
    p.acquire('c', 1);
    expect(p.runningJobs).toBe(2);
    expect(p.plan(job(1))).toBeNull();
  });

  it('with a minimum grant fraction, waits until that share of the wanted workers is free', () => {
    const p = new ResourceProvisioner({ maxWorkers: 10, maxJobs: 5 });
    p.acquire('a', 6);
    expect(p.plan(job(8), 0.5)).toEqual({ workers: 4, splitSize: 32 });
    expect(p.plan(job(10), 0.5)).toBeNull(); // wants 10, needs 5 free, 4 are
    expect(p.plan(job(10), 0)).toEqual({ workers: 4, splitSize: 32 }); // the reference takes the 4
  });

  it('release frees the workers and the job slot; releasing twice is harmless', () => {
    const p = new ResourceProvisioner({ maxWorkers: 10, maxJobs: 1 });
    p.acquire('a', 10);
    expect(p.release('a')).toBe(true);
    expect(p.release('a')).toBe(false);
    expect(p.runningWorkers).toBe(0);
    expect(p.runningJobs).toBe(0);
    expect(p.canAdmit(10)).toBe(true);
  });
});
