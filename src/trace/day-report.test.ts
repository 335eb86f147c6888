import { describe, expect, it } from 'vitest';
import { LAMBDA_PRICES, summarizeCost } from '../core/pricing.js';
import { buildDayReport, distribution, type DayJobOutcome } from './day-report.js';
import { formatDaySummary } from './day-summary.js';

const prices = LAMBDA_PRICES.x86_64;
const cost = (workers: number, seconds: number, images: number) =>
  summarizeCost(
    Array.from({ length: workers }, () => ({ billedMs: seconds * 1000, initMs: 0, memoryMb: 1024 })),
    images,
    prices,
  );

function outcome(id: string, o: Partial<DayJobOutcome>): DayJobOutcome {
  return {
    id,
    status: 'succeeded',
    images: 100,
    mode: 'dynamic',
    requestedWorkers: 4,
    workers: 4,
    splitSize: 32,
    submittedAtMs: 1000,
    startedAtMs: 1000,
    endedAtMs: 2000,
    cost: null,
    ...o,
  };
}

describe('distribution', () => {
  it('uses nearest-rank percentiles', () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i); // 1..100, shuffled order
    expect(distribution(values)).toEqual({
      count: 100,
      mean: 50.5,
      min: 1,
      p50: 50,
      p90: 90,
      p99: 99,
      max: 100,
    });
    expect(distribution([7])).toMatchObject({ p50: 7, p99: 7 });
    expect(distribution([])).toBeNull();
  });
});

describe('buildDayReport', () => {
  const outcomes: DayJobOutcome[] = [
    outcome('b', {
      submittedAtMs: 2000,
      startedAtMs: 5000,
      endedAtMs: 9000,
      workers: 2,
      cost: cost(2, 4, 100),
    }),
    outcome('a', {
      submittedAtMs: 1000,
      startedAtMs: 1000,
      endedAtMs: 5000,
      cost: cost(4, 4, 100),
      line: 7,
      datasetId: 'ds',
    }),
    outcome('c', {
      status: 'failed',
      error: 'boom',
      submittedAtMs: 3000,
      startedAtMs: 5000,
      endedAtMs: 6000,
      workers: 2,
    }),
    outcome('d', {
      status: 'cancelled',
      submittedAtMs: 4000,
      startedAtMs: null,
      endedAtMs: 7000,
      workers: null,
    }),
  ];
  const report = buildDayReport(outcomes, {
    source: 'simulate',
    createdAt: '2024-01-01T00:00:00.000Z',
    traceFile: 't.csv',
  });

  it('lists jobs by submission with times relative to the first one', () => {
    expect(
      report.jobs.map((j) => [
        j.id,
        j.submittedAtSeconds,
        j.queueWaitSeconds,
        j.latencySeconds,
        j.turnaroundSeconds,
      ]),
    ).toEqual([
      ['a', 0, 0, 4, 4],
      ['b', 1, 3, 4, 7],
      ['c', 2, 2, 1, 3],
      ['d', 3, 3, null, 3],
    ]);
    expect(report.jobs[0]).toMatchObject({ line: 7, datasetId: 'ds', folder: null });
    expect(report.jobs[2]).toMatchObject({ status: 'failed', error: 'boom', costUsd: null });
  });

  it('totals cost over costed jobs, counts statuses, corrected jobs and peak concurrency', () => {
    const expectedCost = (4 * 4 + 2 * 4) * 1 * prices.usdPerGbSecond + 6 * prices.usdPerRequest;
    expect(report.totals.costUsd).toBeCloseTo(expectedCost, 12);
    expect(report.totals.cprUsd).toBeCloseTo(expectedCost / 200, 14);
    expect(report.totals).toMatchObject({
      jobs: 4,
      succeeded: 2,
      failed: 1,
      cancelled: 1,
      images: 400,
      billedSeconds: 24,
      requests: 6,
      makespanSeconds: 8,
      correctedJobs: 2,
      peakWorkers: 4, // a ends at 5 s as b and c start with 2 + 2
      peakJobs: 2,
    });
  });

  it('computes distributions over the right jobs', () => {
    expect(report.distributions.latencySeconds).toMatchObject({ count: 2, p50: 4, max: 4 });
    expect(report.distributions.queueWaitSeconds).toMatchObject({ count: 3, min: 0, max: 3 });
    expect(report.distributions.workers).toMatchObject({ count: 3, p50: 2, max: 4 });
  });

  it('handles no jobs, and formats a summary', () => {
    const empty = buildDayReport([], { source: 'replay', createdAt: 'x' });
    expect(empty.totals).toMatchObject({ jobs: 0, costUsd: 0, makespanSeconds: 0, peakWorkers: 0 });
    expect(formatDaySummary(report)).toMatch(
      /^Simulated 4 jobs, 400 images from t\.csv\n.*succeeded 2, failed 1/,
    );
    expect(formatDaySummary(empty)).toMatch(/latency s +-/);
  });

  it('lines up the columns of the distributions, dollars as wide as they come', () => {
    const cheap = {
      ...report.distributions.costUsd!,
      p50: 0.0000327,
      p90: 0.000205,
      p99: 0.000205,
      max: 0.000205,
    };
    const lines = formatDaySummary({ ...report, distributions: { ...report.distributions, costUsd: cheap } })
      .split('\n')
      .filter((line) => line.includes(' p50 '));
    expect(lines.map((line) => line.trimEnd().length)).toEqual(lines.map(() => lines[0]!.trimEnd().length));
    for (const q of ['p50', 'p90', 'p99', 'max'])
      expect(new Set(lines.map((line) => line.indexOf(` ${q} `))).size).toBe(1);
    expect(lines.at(-1)).toMatch(/cost per job +p50 \$0\.0000327 +p90 +\$0\.000205/);
  });
});
