/**
 * The `day.json` of a replay or a simulation (pure): per job its queue wait, latency, workers,
 * cost and cost per image; totals; and distributions (p50/p90/p99). One function,
 * {@link buildDayReport}, turns per-job outcomes into the report, whoever produced them.
 */
import type { CostSummary } from '../core/pricing.js';
import type { JobMode } from '../orchestrator/types.js';

/** One finished job, as the replay or the simulator saw it. Times are ms on the run's clock. */
export interface DayJobOutcome {
  id: string;
  status: 'succeeded' | 'failed' | 'cancelled';
  error?: string;
  images: number;
  mode: JobMode;
  /** Workers the policy asked for. */
  requestedWorkers: number;
  /** Workers granted; null when the job never started. */
  workers: number | null;
  splitSize: number;
  submittedAtMs: number;
  startedAtMs: number | null;
  endedAtMs: number;
  /** Null when unknown (a job that never ran costs nothing and has `cost` zeroed by the caller). */
  cost: CostSummary | null;
  /** Function invocations that ran (retries, replacements and extra workers included), when known. */
  invocations?: number;
  /** What the job's dispatch did beyond its planned work, when known. */
  dispatch?: DayDispatchCounts;
  /** The trace row it came from. */
  line?: number;
  datasetId?: string;
  /** Start in the trace, seconds after the first job. */
  traceOffsetSeconds?: number;
  /** The job's folder (replay), relative to the day folder. */
  folder?: string;
}

/** A job's invocations that failed, and its extra attempts of splits: retries after failures, speculative copies. */
export interface DayDispatchCounts {
  failedInvocations: number;
  retries: number;
  copies: number;
  /** Inputs run again after a passing read error, summed over the retry rounds (when known). */
  inputRetries?: number;
}

/** Count, mean and order statistics of one measure (nearest-rank percentiles); null when empty. */
export interface Distribution {
  count: number;
  mean: number;
  min: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** One job in `day.json`. Seconds are relative to the first submission. */
export interface DayJobReport {
  id: string;
  line: number | null;
  datasetId: string | null;
  folder: string | null;
  status: DayJobOutcome['status'];
  error: string | null;
  images: number;
  mode: JobMode;
  requestedWorkers: number;
  /** Workers granted (null if the job never started). */
  workers: number | null;
  /** Function invocations that ran, retries and extra workers included (null when unknown). */
  invocations: number | null;
  failedInvocations: number | null;
  /** Split attempts after a failure, and speculative copies (null when unknown). */
  retries: number | null;
  copies: number | null;
  /** Inputs run again after a passing read error, over the retry rounds (null when unknown: a replay). */
  inputRetries: number | null;
  splitSize: number;
  traceOffsetSeconds: number | null;
  submittedAtSeconds: number;
  startedAtSeconds: number | null;
  endedAtSeconds: number;
  queueWaitSeconds: number;
  /** Start to end of the job itself (null if it never started). */
  latencySeconds: number | null;
  /** Submission to end: queue wait plus latency. */
  turnaroundSeconds: number;
  costUsd: number | null;
  cprUsd: number | null;
  billedSeconds: number | null;
  initSeconds: number | null;
}

/** The day's totals: jobs by how they ended, images, cost, the peaks of workers and jobs. */
export interface DayTotals {
  jobs: number;
  succeeded: number;
  failed: number;
  cancelled: number;
  images: number;
  costUsd: number;
  billedSeconds: number;
  initSeconds: number;
  requests: number;
  /** Over the jobs that report them: invocations that ran, failed, extra attempts of splits, inputs retried. */
  invocations: number;
  failedInvocations: number;
  retries: number;
  copies: number;
  inputRetries: number;
  /** Total cost over the images of jobs that report a cost. */
  cprUsd: number;
  costPerMillionImagesUsd: number;
  /** First submission to last end. */
  makespanSeconds: number;
  /** Jobs granted fewer workers than their policy asked for. */
  correctedJobs: number;
  /** Most workers and jobs running at once, from the recorded start and end times. */
  peakWorkers: number;
  peakJobs: number;
}

/** The whole `day.json`. */
export interface DayReport {
  format: 'obifaas-day';
  version: 1;
  source: 'replay' | 'simulate';
  createdAt: string;
  trace: { file: string | null; jobs: number; malformedRows: number };
  /** How the day was run (caps, policy, speed, profile...), as given by the caller. */
  settings: Record<string, unknown>;
  /** What the producer adds (the simulator's statistics, the replay's folders...). */
  details: Record<string, unknown>;
  totals: DayTotals;
  /** Queue wait: jobs that started; latency, CPR and cost: jobs that succeeded; workers: jobs that started. */
  distributions: {
    queueWaitSeconds: Distribution | null;
    latencySeconds: Distribution | null;
    turnaroundSeconds: Distribution | null;
    workers: Distribution | null;
    costUsd: Distribution | null;
    cprUsd: Distribution | null;
  };
  jobs: DayJobReport[];
}

export interface DayReportMeta {
  source: DayReport['source'];
  /** ISO time the report was made (passed in, so that the function stays pure). */
  createdAt: string;
  traceFile?: string | null;
  malformedRows?: number;
  settings?: Record<string, unknown>;
  details?: Record<string, unknown>;
}

const round = (x: number, digits = 6): number => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};

/** Nearest-rank distribution of `values` (any order); null for none. */
export function distribution(values: readonly number[]): Distribution | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p: number): number => sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)] as number;
  const sum = sorted.reduce((s, v) => s + v, 0);
  return {
    count: sorted.length,
    mean: sum / sorted.length,
    min: sorted[0] as number,
    p50: rank(0.5),
    p90: rank(0.9),
    p99: rank(0.99),
    max: sorted[sorted.length - 1] as number,
  };
}

/** The sum of a measure over the jobs that report it. */
function total(jobs: readonly DayJobReport[], f: (j: DayJobReport) => number | null): number {
  return jobs.reduce((sum, j) => sum + (f(j) ?? 0), 0);
}

/** Most workers and jobs running at once; a job ending at t frees its workers before one starting at t takes them. */
export function peakConcurrency(outcomes: readonly DayJobOutcome[]): { workers: number; jobs: number } {
  const events: Array<[number, number, number]> = [];
  for (const o of outcomes) {
    if (o.startedAtMs === null || o.workers === null) continue;
    events.push([o.startedAtMs, 1, o.workers], [o.endedAtMs, -1, -o.workers]);
  }
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let workers = 0;
  let jobs = 0;
  const peak = { workers: 0, jobs: 0 };
  for (const [, dj, dw] of events) {
    workers += dw;
    jobs += dj;
    if (workers > peak.workers) peak.workers = workers;
    if (jobs > peak.jobs) peak.jobs = jobs;
  }
  return peak;
}

/** Builds `day.json` from per-job outcomes (in any order; jobs are listed by submission). */
export function buildDayReport(outcomes: readonly DayJobOutcome[], meta: DayReportMeta): DayReport {
  const ordered = [...outcomes].sort((a, b) => a.submittedAtMs - b.submittedAtMs || a.id.localeCompare(b.id));
  const t0 = ordered[0]?.submittedAtMs ?? 0;
  const sec = (ms: number): number => round((ms - t0) / 1000);
  const jobs: DayJobReport[] = ordered.map((o) => {
    const queueWaitMs = (o.startedAtMs ?? o.endedAtMs) - o.submittedAtMs;
    return {
      id: o.id,
      line: o.line ?? null,
      datasetId: o.datasetId ?? null,
      folder: o.folder ?? null,
      status: o.status,
      error: o.error ?? null,
      images: o.images,
      mode: o.mode,
      requestedWorkers: o.requestedWorkers,
      workers: o.workers,
      invocations: o.invocations ?? null,
      failedInvocations: o.dispatch?.failedInvocations ?? null,
      retries: o.dispatch?.retries ?? null,
      copies: o.dispatch?.copies ?? null,
      inputRetries: o.dispatch?.inputRetries ?? null,
      splitSize: o.splitSize,
      traceOffsetSeconds: o.traceOffsetSeconds ?? null,
      submittedAtSeconds: sec(o.submittedAtMs),
      startedAtSeconds: o.startedAtMs === null ? null : sec(o.startedAtMs),
      endedAtSeconds: sec(o.endedAtMs),
      queueWaitSeconds: round(queueWaitMs / 1000),
      latencySeconds: o.startedAtMs === null ? null : round((o.endedAtMs - o.startedAtMs) / 1000),
      turnaroundSeconds: round((o.endedAtMs - o.submittedAtMs) / 1000),
      costUsd: o.cost?.costUsd ?? null,
      cprUsd: o.cost?.cprUsd ?? null,
      billedSeconds: o.cost?.billedSeconds ?? null,
      initSeconds: o.cost?.initSeconds ?? null,
    };
  });

  const costed = ordered.filter((o) => o.cost !== null);
  const sum = (f: (c: CostSummary) => number): number =>
    costed.reduce((s, o) => s + f(o.cost as CostSummary), 0);
  const costUsd = sum((c) => c.costUsd);
  const costedImages = costed.reduce((s, o) => s + o.images, 0);
  const cprUsd = costedImages > 0 ? costUsd / costedImages : 0;
  const peak = peakConcurrency(ordered);
  const started = jobs.filter((j) => j.startedAtSeconds !== null);
  const succeeded = jobs.filter((j) => j.status === 'succeeded');
  const pick = (list: DayJobReport[], f: (j: DayJobReport) => number | null): number[] =>
    list.map(f).filter((v): v is number => v !== null);

  return {
    format: 'obifaas-day',
    version: 1,
    source: meta.source,
    createdAt: meta.createdAt,
    trace: { file: meta.traceFile ?? null, jobs: outcomes.length, malformedRows: meta.malformedRows ?? 0 },
    settings: meta.settings ?? {},
    details: meta.details ?? {},
    totals: {
      jobs: jobs.length,
      succeeded: succeeded.length,
      failed: jobs.filter((j) => j.status === 'failed').length,
      cancelled: jobs.filter((j) => j.status === 'cancelled').length,
      images: jobs.reduce((s, j) => s + j.images, 0),
      costUsd,
      billedSeconds: round(sum((c) => c.billedSeconds)),
      initSeconds: round(sum((c) => c.initSeconds)),
      requests: sum((c) => c.requests),
      invocations: total(jobs, (j) => j.invocations),
      failedInvocations: total(jobs, (j) => j.failedInvocations),
      retries: total(jobs, (j) => j.retries),
      copies: total(jobs, (j) => j.copies),
      inputRetries: total(jobs, (j) => j.inputRetries),
      cprUsd,
      costPerMillionImagesUsd: cprUsd * 1e6,
      makespanSeconds: jobs.reduce((m, j) => Math.max(m, j.endedAtSeconds), 0),
      correctedJobs: jobs.filter((j) => j.workers !== null && j.workers < j.requestedWorkers).length,
      peakWorkers: peak.workers,
      peakJobs: peak.jobs,
    },
    distributions: {
      queueWaitSeconds: distribution(pick(started, (j) => j.queueWaitSeconds)),
      latencySeconds: distribution(pick(succeeded, (j) => j.latencySeconds)),
      turnaroundSeconds: distribution(pick(succeeded, (j) => j.turnaroundSeconds)),
      workers: distribution(pick(started, (j) => j.workers)),
      costUsd: distribution(pick(succeeded, (j) => j.costUsd)),
      cprUsd: distribution(pick(succeeded, (j) => j.cprUsd)),
    },
    jobs,
  };
}
