import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { Orchestrator, type AdmittedJob, type JobOutcome, type SubmittedJob } from './orchestrator.js';

const clock = { now: () => performance.now() };
type Job = SubmittedJob & { ms: number; fail?: boolean };

/** A runner that does real timed work and counts what runs at once, independently of the orchestrator. */
function countingRunner() {
  const seen = { workers: 0, jobs: 0, peakWorkers: 0, peakJobs: 0, ran: [] as string[] };
  const runJob = async (job: AdmittedJob<Job>, { signal }: { signal: AbortSignal }): Promise<string> => {
    seen.workers += job.workers;
    seen.jobs++;
    seen.peakWorkers = Math.max(seen.peakWorkers, seen.workers);
    seen.peakJobs = Math.max(seen.peakJobs, seen.jobs);
    seen.ran.push(job.id);
    try {
      await sleep(job.ms, undefined, { signal });
      if (job.fail) throw new Error(`job ${job.id} broke`);
      return `${job.id} done with ${job.workers}`;
    } finally {
      seen.workers -= job.workers;
      seen.jobs--;
    }
  };
  return { seen, runJob };
}

/** Peak concurrent workers and jobs, from the recorded start and end times alone. */
function peaksFromTimestamps(outcomes: ReadonlyArray<JobOutcome<unknown>>): {
  workers: number;
  jobs: number;
} {
  const events: Array<[number, number, number]> = [];
  for (const o of outcomes) {
    if (o.startedAt === null || o.workers === null) continue;
    expect(o.endedAt).toBeGreaterThanOrEqual(o.startedAt);
    events.push([o.startedAt, 1, o.workers], [o.endedAt, -1, -o.workers]);
  }
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1]); // ends before starts at the same instant
  let workers = 0;
  let jobs = 0;
  const peak = { workers: 0, jobs: 0 };
  for (const [, dj, dw] of events) {
    workers += dw;
    jobs += dj;
    peak.workers = Math.max(peak.workers, workers);
    peak.jobs = Math.max(peak.jobs, jobs);
  }
  return peak;
}

const job = (id: string, workers: number, ms: number, extra: Partial<Job> = {}): Job => ({
  id,
  mode: 'dynamic',
  inputs: 1000,
  workers,
  splitSize: 32,
  ms,
  ...extra,
});

describe('Orchestrator', () => {
  it('runs three jobs submitted at once under caps smaller than their sum; all finish, caps hold', async () => {
    const { seen, runJob } = countingRunner();
    const orch = new Orchestrator<Job, string>({ maxWorkers: 6, maxJobs: 2, runJob, clock });
    const handles = [job('a', 4, 60), job('b', 4, 80), job('c', 4, 40)].map((j) => orch.submit(j));
    const outcomes = await Promise.all(handles.map((h) => h.done));
    await orch.idle();

    expect(outcomes.map((o) => o.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    expect(outcomes.map((o) => o.result)).toEqual(['a done with 4', 'b done with 2', 'c done with 4']);
    expect(outcomes.map((o) => o.requestedWorkers)).toEqual([4, 4, 4]);
    const peaks = peaksFromTimestamps(outcomes);
    expect(peaks.workers).toBeLessThanOrEqual(6);
    expect(peaks.jobs).toBe(2); // concurrent, and never more than the cap
    expect(seen.peakWorkers).toBeLessThanOrEqual(6);
    // c waited for a to release its workers, and it started only after a ended.
    const [a, , c] = outcomes as [JobOutcome<string>, JobOutcome<string>, JobOutcome<string>];
    expect(c.startedAt as number).toBeGreaterThanOrEqual(a.endedAt);
    expect(c.queueWaitMs).toBeGreaterThanOrEqual(50);
    expect(c.queueWaitMs).toBeCloseTo((c.startedAt as number) - c.submittedAt, 6);
    expect(orch.snapshot()).toMatchObject({ queued: [], running: [], runningWorkers: 0 });
  });

  it('a failing job releases its capacity and reports why', async () => {
    const { runJob } = countingRunner();
    const orch = new Orchestrator<Job, string>({ maxWorkers: 4, maxJobs: 1, runJob, clock });
    const bad = orch.submit(job('bad', 4, 20, { fail: true }));
    const good = orch.submit(job('good', 4, 20));
    const [b, g] = await Promise.all([bad.done, good.done]);
    expect(b.status).toBe('failed');
    expect(b.error?.message).toBe('job bad broke');
    expect(g.status).toBe('succeeded');
    expect(g.startedAt as number).toBeGreaterThanOrEqual(b.endedAt);
    expect(peaksFromTimestamps([b, g])).toEqual({ workers: 4, jobs: 1 });
  });

  it('cancelling a running job aborts it and releases capacity; cancelling a queued job never runs it', async () => {
    const { seen, runJob } = countingRunner();
    const orch = new Orchestrator<Job, string>({ maxWorkers: 10, maxJobs: 1, runJob, clock });
    const long = orch.submit(job('long', 10, 60_000));
    const queued = orch.submit(job('queued', 1, 10));
    const next = orch.submit(job('next', 10, 10));
    await sleep(20);
    expect(long.status()).toBe('running');
    const q = await queued.cancel('not needed');
    expect(q).toMatchObject({ status: 'cancelled', startedAt: null, workers: null });
    const l = await long.cancel('user asked');
    expect(l.status).toBe('cancelled');
    expect(l.error?.message).toBe('user asked');
    expect(l.endedAt - (l.startedAt as number)).toBeLessThan(5_000);
    const n = await next.done;
    expect(n.status).toBe('succeeded');
    expect(seen.ran).toEqual(['long', 'next']);
  });

  it('a runner that throws synchronously fails its job, not the orchestrator', async () => {
    const orch = new Orchestrator<Job, string>({
      maxWorkers: 2,
      runJob: (j) => {
        if (j.id === 'x') throw new Error('sync boom');
        return Promise.resolve('ok');
      },
    });
    const x = orch.submit(job('x', 1, 0));
    const y = orch.submit(job('y', 1, 0));
    expect((await x.done).error?.message).toBe('sync boom');
    expect((await y.done).status).toBe('succeeded');
  });

  it('makes up ids, refuses duplicates, and cancelAll ends everything', async () => {
    const { runJob } = countingRunner();
    const orch = new Orchestrator<Job, string>({ maxWorkers: 2, maxJobs: 1, runJob });
    const a = orch.submit({ mode: 'static', inputs: 10, workers: 1, splitSize: 5, ms: 60_000 });
    expect(a.id).toBe('job-0001');
    expect(() => orch.submit(job('job-0001', 1, 1))).toThrow(/already submitted/);
    const b = orch.submit(job('b', 1, 60_000));
    await orch.cancelAll();
    expect((await a.done).status).toBe('cancelled');
    expect((await b.done).status).toBe('cancelled');
    expect(orch.finished().length).toBe(2);
    expect((await a.done).workers).toBe(2); // static default policy: ceil(10 / 5)
  });
});
