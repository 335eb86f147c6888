import { describe, expect, it } from 'vitest';
import { LAMBDA_PRICES } from '../core/pricing.js';
import { fixedPolicy } from '../orchestrator/policies.js';
import { compileDispatch } from '../spec/compile-dispatch.js';
import { buildDayReport, peakConcurrency } from '../trace/day-report.js';
import { buildSchedule } from '../trace/schedule.js';
import { generateTrace } from '../trace/trace-gen.js';
import { parseProfile } from './profile.js';
import { simulate, type SimJobRequest } from './simulator.js';

const prices = LAMBDA_PRICES.x86_64;
// 1 GB functions, 2 s per split of 32 (1/16 s per image), 1 s cold start.
const profile = parseProfile({
  memoryMb: 1024,
  splitSize: 32,
  secondsPerSplit: 2,
  initSeconds: 1,
  concurrencyLimit: 1000,
});
const gbSecond = prices.usdPerGbSecond;
const request = prices.usdPerRequest;

const job = (
  id: string,
  inputs: number,
  workers: number,
  extra: Partial<SimJobRequest> = {},
): SimJobRequest => ({
  id,
  mode: 'dynamic',
  inputs,
  workers,
  splitSize: 32,
  arrivalMs: 0,
  ...extra,
});

describe('simulate: hand-checked cases', () => {
  it('one dynamic job, 4 workers, 8 splits of 2 s: 1 s init + 2 rounds = 5 s, 4 x 5 billed seconds', () => {
    const { jobs, stats } = simulate([job('a', 256, 4)], { profile, caps: { maxWorkers: 100 } });
    const [a] = jobs;
    expect(a).toMatchObject({ id: 'a', workers: 4, startedAtMs: 0, endedAtMs: 5000, status: 'succeeded' });
    expect(a?.cost?.billedSeconds).toBeCloseTo(20, 9);
    expect(a?.cost?.initSeconds).toBeCloseTo(4, 9);
    expect(a?.cost?.costUsd).toBeCloseTo(20 * gbSecond + 4 * request, 15);
    expect(a?.cost?.cprUsd).toBeCloseTo((20 * gbSecond + 4 * request) / 256, 15);
    expect(stats).toMatchObject({
      invocations: 4,
      coldStarts: 4,
      throttledInvocations: 0,
      peakPlatformConcurrency: 4,
    });
  });

  it('a static job cuts its inputs into near-equal chunks; the largest chunk sets the latency', () => {
    const { jobs } = simulate([job('s', 100, 3, { mode: 'static' })], { profile, policy: fixedPolicy });
    // chunks 34, 33, 33 at 1/16 s per image, after 1 s init
    expect(jobs[0]?.endedAtMs).toBeCloseTo(1000 + (34 * 2000) / 32, 9);
    // billed per started ms, init included: 1000 + 2125, and 1000 + 2062.5 -> 3063 twice
    expect(jobs[0]?.cost?.billedSeconds).toBeCloseTo(3.125 + 2 * 3.063, 9);
  });

  it('the default policy gives a static job ceil(inputs / splitSize) workers', () => {
    const { jobs } = simulate([job('s', 100, 1, { mode: 'static' })], { profile });
    expect(jobs[0]).toMatchObject({ requestedWorkers: 4, workers: 4, endedAtMs: 1000 + (25 * 2000) / 32 });
  });

  it('invocations beyond the platform limit wait for a running one to end', () => {
    const limited = { ...profile, concurrencyLimit: 2 };
    const { jobs, stats } = simulate([job('a', 256, 4)], { profile: limited });
    // 2 workers do all 8 splits (1 + 4 x 2 = 9 s). The third starts at 9 s when the first ends,
    // inits and finds nothing (10 s); the fourth has not started when the last split is done, so
    // the job manager stops it before it runs (it never reached the dispatcher).
    expect(jobs[0]?.endedAtMs).toBe(10_000);
    expect(jobs[0]?.cost?.billedSeconds).toBeCloseTo(2 * 9 + 1, 9);
    expect(jobs[0]).toMatchObject({ workers: 4, invocations: 3 });
    expect(stats).toMatchObject({
      invocations: 3,
      throttledInvocations: 1,
      throttledSeconds: 9,
      peakPlatformConcurrency: 2,
    });
  });

  it('a job waits in the queue for capacity and starts when the previous one releases it', () => {
    const { jobs } = simulate([job('a', 256, 4), job('b', 256, 4, { arrivalMs: 1000 })], {
      profile,
      caps: { maxWorkers: 4, maxJobs: 2 },
    });
    expect(jobs.map((j) => [j.id, j.startedAtMs, j.endedAtMs, j.workers])).toEqual([
      ['a', 0, 5000, 4],
      ['b', 5000, 10_000, 4],
    ]);
  });

  it('warm containers skip init when the next invocation comes within keepWarmSeconds', () => {
    const warm = { ...profile, keepWarmSeconds: 60 };
    const { jobs, stats } = simulate([job('a', 256, 4), job('b', 256, 4)], {
      profile: warm,
      caps: { maxWorkers: 4 },
    });
    expect(stats.coldStarts).toBe(4);
    expect(jobs[1]).toMatchObject({ startedAtMs: 5000, endedAtMs: 9000 });
    expect(jobs[1]?.cost?.initSeconds).toBe(0);
  });

  it('per-split variance is seeded and makes stragglers', () => {
    const noisy = { ...profile, serviceTimeCv: 0.5 };
    const run = (seed: number) => simulate([job('a', 3200, 10)], { profile: noisy, seed }).jobs[0]?.endedAtMs;
    expect(run(1)).toBe(run(1));
    expect(run(1)).not.toBe(run(2));
    expect(run(1)).not.toBe(1000 + 10 * 2000);
  });

  it('a dynamic job with fewer splits than workers invokes one function per split, as the job manager', () => {
    const { jobs, stats } = simulate([job('a', 64, 10)], { profile });
    expect(jobs[0]).toMatchObject({ workers: 10, invocations: 2, endedAtMs: 3000 });
    expect(jobs[0]?.cost?.requests).toBe(2);
    expect(stats).toMatchObject({ invocations: 2, coldStarts: 2 });
  });

  it('retries the split of a worker that fails (fault injection) and reports it', () => {
    // 4 splits, 2 workers, one of which fails after its first split (50 %): it dies at 3 s holding
    // its second split, which goes to the other worker: 1 + 3 x 2 = 7 s.
    const faults = { failPercent: 50, delayPercent: 0, delayMaxMs: 0, seed: 1 };
    const { jobs } = simulate([job('a', 128, 2)], { profile, faults });
    expect(jobs[0]).toMatchObject({
      status: 'succeeded',
      invocations: 2,
      endedAtMs: 7000,
      dispatch: { failedInvocations: 1, retries: 1, copies: 0 },
    });
  });

  it('copies the splits of a slow worker (speculation) and finishes sooner than without', () => {
    const faults = { failPercent: 0, delayPercent: 25, delayMaxMs: 20_000, seed: 1 };
    const dynamic = (speculation: boolean) =>
      compileDispatch('dynamic', { speculation: { enabled: speculation } }, []);
    const run = (speculation: boolean) =>
      simulate([job('a', 32 * 16, 5)], { profile, faults, dispatch: { dynamic: dynamic(speculation) } })
        .jobs[0];
    const plain = run(false);
    const copied = run(true);
    expect(plain?.dispatch).toEqual({ failedInvocations: 0, retries: 0, copies: 0, inputRetries: 0 });
    expect(copied?.dispatch?.copies).toBeGreaterThan(0);
    // The extra worker for copies comes out of the grant: 4 planned + 1 extra, as the job runner has it.
    expect([plain?.invocations, copied?.invocations]).toEqual([5, 5]);
    expect((copied?.endedAtMs as number) - (copied?.startedAtMs as number)).toBeLessThan(
      (plain?.endedAtMs as number) - (plain?.startedAtMs as number),
    );
  });

  it('no jobs: nothing happens', () => {
    expect(simulate([], { profile })).toMatchObject({ jobs: [], stats: { events: 0, virtualSeconds: 0 } });
  });
});

describe('simulate: a day under caps', () => {
  const rows = generateTrace({ jobs: 300, seed: 5 });
  const requests = buildSchedule(rows, { speed: 20 }).map((s): SimJobRequest => ({
    id: s.id,
    mode: s.index % 3 === 0 ? 'static' : 'dynamic',
    inputs: s.row.images,
    workers: 20,
    splitSize: 32,
    arrivalMs: s.arrivalMs,
  }));

  for (const minGrantFraction of [0, 1]) {
    it(`never exceeds the worker, job and platform caps (minGrantFraction ${minGrantFraction})`, () => {
      const limited = { ...profile, concurrencyLimit: 30 };
      const { jobs, stats } = simulate(requests, {
        profile: limited,
        caps: { maxWorkers: 50, maxJobs: 5 },
        minGrantFraction,
      });
      expect(jobs.length).toBe(300);
      const peak = peakConcurrency(jobs);
      expect(peak.workers).toBeLessThanOrEqual(50);
      expect(peak.jobs).toBeLessThanOrEqual(5);
      expect(stats.peakGrantedWorkers).toBeLessThanOrEqual(50);
      expect(stats.peakPlatformConcurrency).toBeLessThanOrEqual(30);
      for (const j of jobs) {
        expect(j.startedAtMs as number).toBeGreaterThanOrEqual(j.submittedAtMs);
        expect(j.endedAtMs).toBeGreaterThanOrEqual((j.startedAtMs as number) + 1000);
        // One invocation per chunk (static), at most one per split (dynamic), never more than granted.
        const splits =
          j.mode === 'static' ? Math.min(j.workers as number, j.images) : Math.ceil(j.images / 32);
        expect(j.cost?.requests).toBe(j.invocations);
        if (j.mode === 'static') expect(j.invocations).toBe(splits);
        else expect(j.invocations).toBe(Math.min(j.workers as number, splits));
      }
    });
  }

  it('jobs asking for more than every cap are corrected down and all finish', () => {
    const huge = [0, 1, 2].map((i) => job(`h${i}`, 5000, 10_000, { arrivalMs: i }));
    const { jobs } = simulate(huge, { profile, caps: { maxWorkers: 10, maxJobs: 1 }, minGrantFraction: 1 });
    expect(jobs.map((j) => j.workers)).toEqual([10, 10, 10]);
    const report = buildDayReport(jobs, { source: 'simulate', createdAt: 'now' });
    expect(report.totals).toMatchObject({ succeeded: 3, correctedJobs: 3, peakWorkers: 10, peakJobs: 1 });
  });
});
