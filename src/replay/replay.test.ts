import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { LAMBDA_PRICES, summarizeCost, type CostSummary } from '../core/pricing.js';
import type { AdmittedJob } from '../orchestrator/orchestrator.js';
import { buildDayReport, peakConcurrency } from '../trace/day-report.js';
import { replayDay, type ReplayJob } from './replay.js';
import { buildSchedule } from '../trace/schedule.js';
import { generateTrace } from '../trace/trace-gen.js';

const keys = Array.from({ length: 50 }, (_, i) => `img-${i}.jpg`);

/** Runs a job for real time proportional to its rounds of splits, and bills it. */
async function runJob(
  job: AdmittedJob<ReplayJob>,
  { signal }: { signal: AbortSignal },
): Promise<{ cost: CostSummary; keys: string[] }> {
  const rounds = Math.ceil(job.inputs / job.splitSize / job.workers);
  const ms = Math.min(40, 2 * rounds);
  await sleep(ms, undefined, { signal });
  const invocations = Array.from({ length: job.workers }, () => ({
    billedMs: ms,
    initMs: 0,
    memoryMb: 1024,
  }));
  return { cost: summarizeCost(invocations, job.inputs, LAMBDA_PRICES.x86_64), keys: job.keys };
}

describe('replayDay', () => {
  const schedule = buildSchedule(generateTrace({ jobs: 20, seed: 9 }), { speed: 20_000 });

  it('submits every job at its arrival time, runs them under the caps, and reports each', async () => {
    const t0 = performance.now();
    const seenKeys = new Map<string, string[]>();
    const outcomes = await replayDay({
      schedule,
      keys,
      template: { mode: 'dynamic', workers: 8, splitSize: 32 },
      maxWorkers: 10,
      maxJobs: 3,
      runJob,
      clock: { now: () => performance.now() },
      describe: (o) => {
        if (o.result) seenKeys.set(o.id, o.result.keys);
        return { cost: o.result?.cost ?? null, folder: `jobs/${o.id}` };
      },
    });
    expect(outcomes.length).toBe(20);
    expect(outcomes.every((o) => o.status === 'succeeded')).toBe(true);
    outcomes.forEach((o, i) => {
      const s = schedule[i]!;
      expect(o.id).toBe(s.id);
      expect(o.submittedAtMs - t0).toBeGreaterThanOrEqual(s.arrivalMs); // never early
      const got = seenKeys.get(o.id) ?? [];
      expect(got.length).toBe(s.row.images);
      expect(got.every((k, j) => k === keys[j % keys.length])).toBe(true); // in order, cycling
    });
    expect(schedule.some((s) => s.row.images > keys.length)).toBe(true);
    const peak = peakConcurrency(outcomes);
    expect(peak.workers).toBeLessThanOrEqual(10);
    expect(peak.jobs).toBeLessThanOrEqual(3);
    const report = buildDayReport(outcomes, { source: 'replay', createdAt: 'now' });
    expect(report.totals.succeeded).toBe(20);
    expect(report.totals.costUsd).toBeCloseTo(
      outcomes.reduce((s, o) => s + (o.cost?.costUsd ?? 0), 0),
      12,
    );
    expect(report.jobs[0]?.folder).toBe(`jobs/${schedule[0]!.id}`);
  });

  it('stops on abort: later jobs are not submitted, queued and running ones are cancelled', async () => {
    const controller = new AbortController();
    const slow = async (_job: AdmittedJob<ReplayJob>, { signal }: { signal: AbortSignal }) => {
      await sleep(60_000, undefined, { signal });
      return null;
    };
    setTimeout(() => controller.abort(new Error('user stopped the replay')), 30);
    const spread = buildSchedule(generateTrace({ jobs: 20, seed: 9 }), { speed: 100 }); // ~ seconds apart
    const outcomes = await replayDay({
      schedule: spread,
      keys,
      template: { mode: 'dynamic', workers: 2, splitSize: 32 },
      maxWorkers: 2,
      runJob: slow,
      describe: () => ({ cost: null }),
      signal: controller.signal,
    });
    expect(outcomes.length).toBeGreaterThanOrEqual(1);
    expect(outcomes.length).toBeLessThan(20);
    expect(outcomes.every((o) => o.status === 'cancelled')).toBe(true);
    expect(outcomes[0]?.error).toBe('user stopped the replay');
  });

  it('submits nothing when stopped before it starts', async () => {
    const outcomes = await replayDay({
      schedule,
      keys,
      template: { mode: 'static', workers: 2, splitSize: 32 },
      runJob,
      describe: () => ({ cost: null }),
      signal: AbortSignal.abort(new Error('stopped early')),
    });
    expect(outcomes).toEqual([]);
  });
});
