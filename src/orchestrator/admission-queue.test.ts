import { describe, expect, it } from 'vitest';
import { SpecError, UserError } from '../errors.js';
import { AdmissionQueue, admissionIssues, type QueuedJob } from './admission-queue.js';

const job = (id: string, workers: number, inputs = 10_000): QueuedJob => ({
  id,
  mode: 'dynamic',
  inputs,
  workers,
  splitSize: 32,
});

describe('AdmissionQueue', () => {
  it('starts jobs in arrival order as capacity is released (one job at a time by default)', () => {
    const q = new AdmissionQueue({ caps: { maxWorkers: 10 } });
    q.enqueue(job('a', 5), 0);
    q.enqueue(job('b', 5), 1);
    q.enqueue(job('c', 5), 2);
    expect(q.admit(2).map((a) => a.job.id)).toEqual(['a']);
    expect(q.admit(3)).toEqual([]);
    q.release('a');
    const [b] = q.admit(10);
    expect(b?.job.id).toBe('b');
    expect(b?.queueWaitMs).toBe(9);
    expect(q.queued).toBe(1);
    expect(q.running).toBe(1);
  });

  it('reference correction: a job wanting more than is free starts at once on what is free', () => {
    const q = new AdmissionQueue({ caps: { maxWorkers: 10, maxJobs: 5 } });
    q.enqueue(job('a', 8), 0);
    q.enqueue(job('b', 8), 0);
    q.enqueue(job('c', 8), 0);
    const admitted = q.admit(0);
    expect(admitted.map((a) => [a.job.id, a.grant.workers, a.shaped.workers])).toEqual([
      ['a', 8, 8],
      ['b', 2, 8],
    ]);
    expect(q.provisioner.runningWorkers).toBe(10);
    q.release('b');
    expect(q.admit(5).map((a) => [a.job.id, a.grant.workers])).toEqual([['c', 2]]);
  });

  it('jobs asking for more than every cap are corrected down and start, even when grants must be whole', () => {
    for (const minGrantFraction of [0, 1]) {
      const q = new AdmissionQueue({ caps: { maxWorkers: 10 }, minGrantFraction });
      q.enqueue(job('huge', 5000), 0);
      expect(q.admit(0).map((a) => a.grant.workers)).toEqual([10]);
    }
  });

  it('applies the policy once, at enqueue', () => {
    let calls = 0;
    const q = new AdmissionQueue({
      caps: { maxWorkers: 100 },
      policy: (j) => {
        calls++;
        return { ...j, workers: 3 };
      },
    });
    q.enqueue({ ...job('a', 50), mode: 'static' }, 0);
    q.admit(0);
    q.admit(1);
    expect(calls).toBe(1);
    q.release('a');
  });

  it('with whole grants, a later job that fits backfills only while the head has waited less than the bound', () => {
    const q = new AdmissionQueue({
      caps: { maxWorkers: 10, maxJobs: 10 },
      minGrantFraction: 1,
      maxHeadWaitMs: 100,
    });
    q.enqueue(job('running', 6), 0);
    q.admit(0);
    q.enqueue(job('big', 10), 0);
    q.enqueue(job('small1', 2), 10);
    const early = q.admit(50);
    expect(early.map((a) => [a.job.id, a.backfilled])).toEqual([['small1', true]]);
    q.enqueue(job('small2', 2), 120);
    expect(q.admit(120)).toEqual([]); // head waited 120 >= 100: nobody overtakes it now
    q.release('running');
    expect(q.admit(130)).toEqual([]); // small1 still holds 2 of the 10 the head needs
    q.release('small1');
    expect(q.admit(140).map((a) => a.job.id)).toEqual(['big']);
    q.release('big');
    expect(q.admit(150).map((a) => a.job.id)).toEqual(['small2']);
  });

  it('no starvation: a stream of small jobs cannot hold back a large head job past the bound', () => {
    const run = (maxHeadWaitMs: number): number | null => {
      const q = new AdmissionQueue({
        caps: { maxWorkers: 10, maxJobs: 100 },
        minGrantFraction: 1,
        maxHeadWaitMs,
      });
      const endsAt = new Map<string, number>();
      let bigStartedAt: number | null = null;
      for (let t = 0; t < 2000; t++) {
        for (const [id, end] of endsAt)
          if (end <= t) {
            q.release(id);
            endsAt.delete(id);
          }
        q.enqueue(job(`s${t}`, 3), t); // a small job every tick, each running 10 ticks
        if (t === 5) q.enqueue(job('big', 10), t);
        for (const a of q.admit(t)) {
          endsAt.set(a.job.id, t + 10);
          if (a.job.id === 'big') bigStartedAt = t;
        }
        if (bigStartedAt !== null) return bigStartedAt;
      }
      return bigStartedAt;
    };
    const started = run(100);
    expect(started).not.toBeNull();
    expect(started as number).toBeLessThanOrEqual(5 + 100 + 10);
    expect(run(Infinity)).toBeNull(); // unbounded backfilling would starve it
  });

  it('the job cap stops admission even with workers free', () => {
    const q = new AdmissionQueue({ caps: { maxWorkers: 100, maxJobs: 2 } });
    for (const id of ['a', 'b', 'c']) q.enqueue(job(id, 1), 0);
    expect(q.admit(0).map((a) => a.job.id)).toEqual(['a', 'b']);
    expect(q.snapshot(5)).toMatchObject({
      queued: [{ id: 'c', waitedMs: 5 }],
      runningWorkers: 2,
      capacityLeft: 98,
    });
  });

  it('removes waiting jobs; rejects duplicates and inputs that are not integers >= 1', () => {
    const q = new AdmissionQueue({ caps: { maxWorkers: 1 } });
    q.enqueue(job('a', 1), 0);
    q.enqueue(job('b', 1), 0);
    expect(() => q.enqueue(job('b', 1), 0)).toThrow(UserError);
    expect(() => q.enqueue(job('z', 1, 0), 0)).toThrow(/inputs must be an integer >= 1/);
    expect(q.remove('a')?.id).toBe('a');
    expect(q.remove('a')).toBeUndefined();
    expect(q.admit(1).map((a) => a.job.id)).toEqual(['b']);
    expect(q.release('nope')).toBe(false);
    expect(() => q.enqueue(job('b', 1), 2)).toThrow(/already queued or running/);
  });

  it('rejects a minGrantFraction outside [0, 1]', () => {
    expect(() => new AdmissionQueue({ minGrantFraction: 2 })).toThrow(/minGrantFraction/);
  });

  it('rejects a backfillWindow that is not an integer >= 0 with a SpecError naming it', () => {
    for (const backfillWindow of [-1, 1.5, Number.NaN]) {
      let err: unknown;
      try {
        new AdmissionQueue({ backfillWindow });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(SpecError);
      expect((err as SpecError).issues.map((i) => i.path)).toEqual(['backfillWindow']);
      expect((err as SpecError).message).toMatch(
        /^invalid admission options: backfillWindow: expected an integer >= 0/,
      );
    }
    expect(admissionIssues({ backfillWindow: 0 })).toEqual([]);
  });
});
