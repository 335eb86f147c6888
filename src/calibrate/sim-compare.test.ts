import { describe, expect, it } from 'vitest';
import { defaultPolicy } from '../orchestrator/policies.js';
import { parseProfile } from '../simulate/profile.js';
import { buildDayReport, type DayJobOutcome } from '../trace/day-report.js';
import { buildSchedule } from '../trace/schedule.js';
import { compareLatencies, simulateSchedule } from './sim-compare.js';
import type { TraceRow } from '../trace/trace-csv.js';

const rows: TraceRow[] = [
  { line: 2, startedAtMs: 0, datasetId: 'a', images: 40 },
  { line: 3, startedAtMs: 1000, datasetId: 'b', images: 20 },
];

function outcome(
  id: string,
  startedAtMs: number,
  endedAtMs: number,
  status: DayJobOutcome['status'] = 'succeeded',
): DayJobOutcome {
  return {
    id,
    status,
    images: 10,
    mode: 'static',
    requestedWorkers: 2,
    workers: 2,
    splitSize: 5,
    submittedAtMs: 0,
    startedAtMs,
    endedAtMs,
    cost: null,
  };
}

describe('simulateSchedule', () => {
  it('simulates the schedule with the replay template, caps and policy', () => {
    const profile = parseProfile({
      memoryMb: 1024,
      splitSize: 10,
      secondsPerSplit: 1,
      initSeconds: 0,
      concurrencyLimit: 4,
    });
    const schedule = buildSchedule(rows, { speed: 1 });
    const { jobs } = simulateSchedule(schedule, {
      profile,
      caps: { maxWorkers: 4, maxJobs: 1 },
      template: { mode: 'static', workers: 4, splitSize: 10 },
      policy: defaultPolicy,
    });
    // Job 1: 4 workers of 10 images, 1 s. Job 2 arrives at 1 s: 2 workers of 10 images, 1 s.
    expect(jobs.map((j) => [j.id, j.workers, j.startedAtMs, j.endedAtMs])).toEqual([
      ['job-00001', 4, 0, 1000],
      ['job-00002', 2, 1000, 2000],
    ]);
  });
});

describe('compareLatencies', () => {
  it('pairs jobs by id and gives the relative error of each, and their max and median', () => {
    const real = buildDayReport([outcome('a', 0, 1000), outcome('b', 0, 2000), outcome('c', 0, 4000)], {
      source: 'replay',
      createdAt: 'now',
    });
    const sim = buildDayReport([outcome('a', 0, 1100), outcome('b', 0, 1500), outcome('c', 0, 4000)], {
      source: 'simulate',
      createdAt: 'now',
    });
    const c = compareLatencies(real, sim);
    expect(c.jobs.map((j) => j.relativeError)).toEqual([expect.closeTo(0.1, 9), 0.25, 0]);
    expect(c.maxRelativeError).toBe(0.25);
    expect(c.medianRelativeError).toBeCloseTo(0.1, 9);
  });

  it('leaves out jobs that did not succeed in both', () => {
    const real = buildDayReport([outcome('a', 0, 1000), outcome('b', 0, 2000, 'failed')], {
      source: 'replay',
      createdAt: 'now',
    });
    const sim = buildDayReport([outcome('a', 0, 1000), outcome('b', 0, 2000)], {
      source: 'simulate',
      createdAt: 'now',
    });
    expect(compareLatencies(real, sim).jobs.map((j) => j.id)).toEqual(['a']);
  });
});
