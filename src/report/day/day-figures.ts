/** What a day's report plots, from its `day.json` (pure). Seconds are after the first submission. */
import type { DayJobReport, DayReport } from '../../trace/day-report.js';
import type { PlotPoint } from '../svg/plot.js';

/** A step series of the weight of the open intervals over time (functions, jobs). */
export function weightedConcurrency(
  intervals: ReadonlyArray<readonly [number, number, number]>,
): PlotPoint[] {
  const events: Array<[number, number]> = [];
  for (const [a, b, w] of intervals)
    if (Number.isFinite(a) && Number.isFinite(b) && b >= a && w > 0) events.push([a, w], [b, -w]);
  // A job ending at t frees its workers before one starting at t takes them.
  events.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  const points: PlotPoint[] = [{ x: 0, y: 0 }];
  let open = 0;
  for (const [t, d] of events) {
    open += d;
    const last = points[points.length - 1]!;
    if (last.x === t) last.y = open;
    else points.push({ x: t, y: open });
  }
  return points;
}

const started = (j: DayJobReport): j is DayJobReport & { startedAtSeconds: number } =>
  j.startedAtSeconds !== null;

/** Functions (workers granted) and jobs running over the day. */
export function dayConcurrency(report: DayReport): { functions: PlotPoint[]; jobs: PlotPoint[] } {
  const jobs = report.jobs.filter(started);
  return {
    functions: weightedConcurrency(
      jobs.map((j) => [j.startedAtSeconds, j.endedAtSeconds, j.workers ?? 0] as const),
    ),
    jobs: weightedConcurrency(jobs.map((j) => [j.startedAtSeconds, j.endedAtSeconds, 1] as const)),
  };
}

const setting = (report: DayReport, name: string): number | null => {
  const v = report.settings[name];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
};

/** The caps and targets the day ran under, where `day.json` records them. */
export function dayLimits(report: DayReport): {
  maxWorkers: number | null;
  maxJobs: number | null;
  cprPerMillionUsd: number | null;
  deadlineSeconds: number | null;
} {
  return {
    maxWorkers: setting(report, 'maxWorkers'),
    maxJobs: setting(report, 'maxJobs'),
    cprPerMillionUsd: setting(report, 'cprPerMillionUsd'),
    deadlineSeconds: setting(report, 'deadlineSeconds'),
  };
}

/** The first problem that keeps `value` from being read as a day report, or null. */
export function dayReportProblem(value: unknown): string | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not a JSON object';
  const v = value as Record<string, unknown>;
  if (v.format !== 'obifaas-day') return `format: expected "obifaas-day", got ${JSON.stringify(v.format)}`;
  if (typeof v.totals !== 'object' || v.totals === null) return 'totals: expected an object';
  if (typeof v.settings !== 'object' || v.settings === null) return 'settings: expected an object';
  if (!Array.isArray(v.jobs)) return 'jobs: expected a list';
  for (const [i, j] of v.jobs.entries()) {
    if (typeof j !== 'object' || j === null) return `jobs[${i}]: expected an object`;
    const job = j as Record<string, unknown>;
    if (typeof job.id !== 'string') return `jobs[${i}].id: expected a string`;
    for (const field of ['submittedAtSeconds', 'endedAtSeconds', 'queueWaitSeconds', 'images'])
      if (typeof job[field] !== 'number' || !Number.isFinite(job[field]))
        return `jobs[${i}].${field}: expected a number`;
  }
  return null;
}

/**
 * The unit of a day's time axes: hours for a day longer than 3 hours, minutes for one longer
 * than 10 minutes, else seconds, so that ticks read `6` (h) rather than `20k` (s).
 */
export function dayTimeUnit(report: DayReport): { name: 'h' | 'min' | 's'; seconds: number } {
  const span = report.jobs.reduce((m, j) => Math.max(m, j.submittedAtSeconds, j.endedAtSeconds), 0);
  if (span > 3 * 3600) return { name: 'h', seconds: 3600 };
  if (span > 600) return { name: 'min', seconds: 60 };
  return { name: 's', seconds: 1 };
}
