import { describe, expect, it } from 'vitest';
import { buildDayReport, type DayJobOutcome } from '../../trace/day-report.js';
import { assertWellFormed } from '../../../test/support/svg.js';
import { dayConcurrency, dayReportProblem, dayTimeUnit, weightedConcurrency } from './day-figures.js';
import { dayReportHtml } from './day-html.js';
import { dayFigureSvg } from './day-plots.js';

const cost = (usd: number, images: number) => ({
  costUsd: usd,
  computeCostUsd: usd,
  requestCostUsd: 0,
  billedSeconds: 10,
  functionSeconds: 8,
  initSeconds: 2,
  gbSeconds: 1,
  requests: 3,
  images,
  cprUsd: usd / images,
  costPerMillionImagesUsd: (usd / images) * 1e6,
});

function outcome(
  id: string,
  submitted: number,
  started: number | null,
  ended: number,
  workers: number,
  status: DayJobOutcome['status'] = 'succeeded',
): DayJobOutcome {
  return {
    id,
    status,
    images: 100,
    mode: 'dynamic',
    requestedWorkers: 4,
    workers: started === null ? null : workers,
    splitSize: 8,
    submittedAtMs: submitted,
    startedAtMs: started,
    endedAtMs: ended,
    cost: status === 'succeeded' ? cost(0.001, 100) : null,
  };
}

const report = buildDayReport(
  [
    outcome('a', 0, 0, 5000, 4),
    outcome('b', 1000, 2000, 6000, 2),
    outcome('c', 2000, 5000, 9000, 4),
    outcome('d', 3000, null, 3000, 0, 'cancelled'),
  ],
  { source: 'replay', createdAt: 'now', settings: { maxWorkers: 6, maxJobs: 2, cprPerMillionUsd: 8 } },
);

describe('a day in plots', () => {
  it('counts the functions and jobs running over the day, a job ending before the next starts', () => {
    expect(
      weightedConcurrency([
        [0, 5, 4],
        [5, 9, 4],
        [2, 6, 2],
      ]),
    ).toEqual([
      { x: 0, y: 4 },
      { x: 2, y: 6 },
      { x: 5, y: 6 },
      { x: 6, y: 4 },
      { x: 9, y: 0 },
    ]);
    const c = dayConcurrency(report);
    expect(Math.max(...c.functions.map((p) => p.y))).toBe(report.totals.peakWorkers);
    expect(Math.max(...c.jobs.map((p) => p.y))).toBe(report.totals.peakJobs);
  });

  it('draws the day against its caps and target, and a page with the comparison', () => {
    const svg = dayFigureSvg(report);
    assertWellFormed(svg);
    expect(svg).toContain('cap: 6 functions');
    expect(svg).toContain('cap: 2 jobs');
    expect(svg).toContain('CPR target: $8.00 per million');
    const html = dayReportHtml(report, {
      generatedAt: 'now',
      comparison: {
        realName: 'replay (a)',
        simulatedName: 'simulate (b)',
        jobs: [{ id: 'a', images: 100, realSeconds: 5, simulatedSeconds: 4, relativeError: 0.2 }],
        maxRelativeError: 0.2,
        medianRelativeError: 0.2,
        meanRelativeError: 0.2,
      },
    });
    expect(html).toContain('data-field="comparedJobs" data-value="1"');
    expect(html).toContain('20.0 %');
    expect(html).toContain('data-field="jobs" data-value="4"');
  });

  it('reads a long day in hours and a short one in seconds', () => {
    expect(dayFigureSvg(report)).toContain('arrival (s after the first job)');
    const long = buildDayReport(
      [outcome('a', 0, 0, 60_000, 4), outcome('b', 8 * 3600_000, 8 * 3600_000, 8 * 3600_000 + 60_000, 4)],
      { source: 'simulate', createdAt: 'now', settings: {} },
    );
    expect(dayTimeUnit(long)).toEqual({ name: 'h', seconds: 3600 });
    const svg = dayFigureSvg(long);
    expect(svg).toContain('arrival (h after the first job)');
    expect(svg).toContain('time (h after the first job)');
    expect(svg).not.toContain('>20k<');
    // Every plot says what it shows, and an empty queue says so.
    const page = dayReportHtml(long, { generatedAt: 'now' });
    expect(page.split('<figcaption>').length - 1).toBe(5);
    expect(page).toContain('No job waited.');
    expect(dayReportHtml(report, { generatedAt: 'now' })).not.toContain('No job waited.');
  });

  it('refuses a file that is not a day report, naming the field', () => {
    expect(dayReportProblem(report)).toBeNull();
    expect(dayReportProblem({ ...report, format: 'other' })).toMatch(/^format: expected "obifaas-day"/);
    expect(dayReportProblem({ ...report, jobs: [{ id: 'x' }] })).toBe(
      'jobs[0].submittedAtSeconds: expected a number',
    );
  });
});
