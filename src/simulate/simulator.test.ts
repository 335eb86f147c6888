import { describe, expect, it } from 'vitest';
import { LAMBDA_PRICES } from '../core/pricing.js';
import { fixedPolicy } from '../orchestrator/policies.js';
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
    // 2 workers do all 8 splits (1 + 4 x 2 = 9 s); the other 2 start at 9 s, init, find nothing: 10 s
    expect(jobs[0]?.endedAtMs).toBe(10_000);
    expect(jobs[0]?.cost?.billedSeconds).toBeCloseTo(2 * 9 + 2 * 1, 9);
    expect(stats).toMatchObject({
      throttledInvocations: 2,
      throttledSeconds: 18,
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
        expect(j.cost?.requests).toBe(j.workers);
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
