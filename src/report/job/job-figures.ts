/**
 * What a job's report shows, computed from its `job.json` (pure): how each invocation ended, the
 * marks of the timeline, progress over time, where the time went, the tail, and the cost by
 * category. The HTML and the SVG only lay these figures out.
 */
import { summarizeCost } from '../../core/pricing.js';
import type { SplitAttempt } from '../../core/split-types.js';
import type { InvocationRecord, JobRecord } from '../../manager/types.js';
import type { PlotPoint } from '../svg/plot.js';
import { throughput } from './throughput.js';

/**
 * How an invocation ended. `stopped`: the job manager stopped it (every split was done, or the
 * job was cancelled or stopped), or it ran when its job manager was killed (its end `estimated`);
 * neither is a failure, as in the summary's `failedInvocations`.
 */
export type InvocationEnd = 'ok' | 'failed' | 'timeout' | 'stopped';

/** The marks of the timeline, each with its own shape and colour. */
export type MarkKind = 'failed' | 'timeout' | 'retry' | 'copy-won' | 'copy-lost';

const TIMEOUT = /timed?[ -]?out/i;

/** How `inv` ended; a failure whose error says it timed out is a timeout. */
export function invocationEnd(inv: InvocationRecord): InvocationEnd {
  if (inv.ok) return 'ok';
  if (inv.stopped === true || inv.estimated === true) return 'stopped';
  return TIMEOUT.test(inv.error ?? '') ? 'timeout' : 'failed';
}

/**
 * The mark an attempt gets, if any: a retry, a speculative copy that won or lost, or a timeout
 * (its worker went silent).
 */
export function attemptMark(attempt: SplitAttempt): MarkKind | null {
  if (attempt.outcome === 'silent') return 'timeout';
  if (attempt.kind === 'retry') return 'retry';
  if (attempt.kind === 'copy') return attempt.outcome === 'won' ? 'copy-won' : 'copy-lost';
  return null;
}

/** Every mark the timeline draws: one per failed or timed-out invocation, one per marked attempt. */
export function countMarks(record: JobRecord): Record<MarkKind, number> {
  const marks: Record<MarkKind, number> = { failed: 0, timeout: 0, retry: 0, 'copy-won': 0, 'copy-lost': 0 };
  for (const inv of record.invocations) {
    const end = invocationEnd(inv);
    if (end === 'failed' || end === 'timeout') marks[end]++;
  }
  for (const split of record.splits)
    for (const attempt of split.attempts) {
      const mark = attemptMark(attempt);
      if (mark) marks[mark]++;
    }
  return marks;
}

/** The job's clock: epoch ms of its first submit (time 0 of every plot) and of its end. */
export function jobClock(record: JobRecord): { t0: number; end: number } {
  const submits = record.invocations.map((i) => i.submittedAt).filter(Number.isFinite);
  const started = Date.parse(record.startedAt);
  const t0 = submits.length > 0 ? Math.min(...submits) : Number.isFinite(started) ? started : 0;
  const ends = [
    ...record.invocations.map((i) => i.endedAt),
    ...record.splits.map((s) => s.endedAt ?? Number.NaN),
  ].filter(Number.isFinite);
  return { t0, end: Math.max(t0, ...ends) };
}

/** When an invocation's function existed: from its cold start (if any) to its end. */
export function functionStart(inv: InvocationRecord): number {
  return Math.max(inv.submittedAt, inv.startedAt - (inv.initMs ?? 0));
}

/** A step series of how many intervals are open at each time, in seconds after `t0`. */
export function concurrency(intervals: readonly (readonly [number, number])[], t0: number): PlotPoint[] {
  const events: Array<[number, number]> = [];
  for (const [a, b] of intervals)
    if (Number.isFinite(a) && Number.isFinite(b) && b >= a) events.push([a, 1], [b, -1]);
  events.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  const points: PlotPoint[] = [{ x: 0, y: 0 }];
  let open = 0;
  for (const [t, d] of events) {
    open += d;
    const x = (t - t0) / 1000;
    const last = points[points.length - 1]!;
    if (last.x === x) last.y = open;
    else points.push({ x, y: open });
  }
  return points;
}

/** Progress over time, seconds after the first submit. */
export interface ProgressSeries {
  /** Inputs with a result line (cumulative), and those with an error. */
  done: PlotPoint[];
  errors: PlotPoint[];
  /** Images per second over a moving window of `windowSeconds` (`throughput.ts`). */
  rate: PlotPoint[];
  windowSeconds: number;
  /** Functions running (cold start or work), and invocations waiting for a function. */
  running: PlotPoint[];
  waiting: PlotPoint[];
}

export function progressSeries(record: JobRecord): ProgressSeries {
  const { t0, end } = jobClock(record);
  const finished = record.splits
    .filter((s) => s.status === 'done' && s.endedAt !== null && Number.isFinite(s.endedAt))
    .sort((a, b) => (a.endedAt as number) - (b.endedAt as number));
  const done: PlotPoint[] = [{ x: 0, y: 0 }];
  const errors: PlotPoint[] = [{ x: 0, y: 0 }];
  let total = 0;
  let failed = 0;
  for (const s of finished) {
    total += s.inputs;
    if (s.error !== null) failed += s.inputs;
    const x = ((s.endedAt as number) - t0) / 1000;
    done.push({ x, y: total });
    errors.push({ x, y: failed });
  }
  const { rate, windowSeconds } = throughput(finished, t0, (end - t0) / 1000);
  const invs = record.invocations;
  return {
    done,
    errors,
    rate,
    windowSeconds,
    running: concurrency(
      invs.map((i) => [functionStart(i), i.endedAt] as const),
      t0,
    ),
    waiting: concurrency(
      invs.map((i) => [i.submittedAt, functionStart(i)] as const),
      t0,
    ),
  };
}

/** Where the function time went. */
export interface TimeBreakdown {
  /** Busy time of each pipeline stage summed over functions (concurrent tasks add up); null when no function reported it. */
  stageBusySeconds: { load: number; preprocess: number; predict: number } | null;
  /** Time functions spent on split attempts (from the split records, cold starts left out). */
  splitSeconds: number;
  billedSeconds: number;
  functionSeconds: number;
  initSeconds: number;
  /**
   * The tail: from the start of the last first attempt (no new split left; when the function that
   * ran it started, for an attempt stamped before its invocation waited for a slot) to the last result.
   */
  tail: { startSeconds: number; seconds: number; functionSeconds: number; splitSeconds: number } | null;
}

const overlap = (a: number, b: number, from: number, to: number): number =>
  Math.max(0, Math.min(b, to) - Math.max(a, from));

const ended = (a: SplitAttempt): a is SplitAttempt & { endedAt: number } =>
  a.endedAt !== null && Number.isFinite(a.endedAt) && Number.isFinite(a.startedAt);

/**
 * When an attempt really started: its stamp, or the start of the function that ran it when that
 * came later. A static job stamps its attempts when their invocation is submitted, before it
 * waits behind `maxConcurrency`; a dynamic job stamps them as a running function takes them.
 */
function attemptStart(attempt: SplitAttempt, invocations: JobRecord['invocations']): number {
  const carrier = carrierOf(attempt, invocations);
  return carrier ? Math.max(attempt.startedAt, functionStart(carrier)) : attempt.startedAt;
}

/** When a function could first work on an attempt: after its cold start, never before its stamp. */
function attemptWorkStart(attempt: SplitAttempt, invocations: JobRecord['invocations']): number {
  const carrier = carrierOf(attempt, invocations);
  return carrier ? Math.max(attempt.startedAt, carrier.startedAt) : attempt.startedAt;
}

/** The invocation that ran an attempt: its worker's first one that had not ended when it began. */
function carrierOf(
  attempt: SplitAttempt,
  invocations: JobRecord['invocations'],
): JobRecord['invocations'][number] | undefined {
  let carrier: (typeof invocations)[number] | undefined;
  for (const i of invocations)
    if (i.workerId === attempt.workerId && i.endedAt >= attempt.startedAt)
      if (!carrier || i.submittedAt < carrier.submittedAt) carrier = i;
  return carrier;
}

export function timeBreakdown(record: JobRecord): TimeBreakdown {
  const { t0 } = jobClock(record);
  const timed = record.invocations.filter((i) => i.timings?.stageBusyMs);
  const busy = (stage: 'load' | 'preprocess' | 'predict'): number =>
    timed.reduce((s, i) => s + (i.timings!.stageBusyMs[stage] ?? 0), 0) / 1000;
  const attempts = record.splits.flatMap((s) => s.attempts).filter(ended);
  const splitMs = attempts.reduce(
    (s, a) => s + Math.max(0, a.endedAt - attemptWorkStart(a, record.invocations)),
    0,
  );
  const firstStarts = attempts
    .filter((a) => a.kind === 'first')
    .map((a) => attemptStart(a, record.invocations));
  const results = record.splits.map((s) => s.endedAt ?? Number.NaN).filter(Number.isFinite);
  let tail: TimeBreakdown['tail'] = null;
  if (firstStarts.length > 0 && results.length > 0) {
    const from = Math.max(...firstStarts);
    const to = Math.max(...results);
    if (to >= from) {
      tail = {
        startSeconds: (from - t0) / 1000,
        seconds: (to - from) / 1000,
        functionSeconds:
          record.invocations.reduce((s, i) => s + overlap(functionStart(i), i.endedAt, from, to), 0) / 1000,
        splitSeconds: attempts.reduce((s, a) => s + overlap(a.startedAt, a.endedAt, from, to), 0) / 1000,
      };
    }
  }
  return {
    stageBusySeconds:
      timed.length > 0
        ? { load: busy('load'), preprocess: busy('preprocess'), predict: busy('predict') }
        : null,
    splitSeconds: splitMs / 1000,
    billedSeconds: record.summary.billedSeconds,
    functionSeconds: record.summary.functionSeconds,
    initSeconds: record.summary.initSeconds,
    tail,
  };
}

/** Dollars by category; the parts of each breakdown add up to the total. */
export interface CostBreakdown {
  totalUsd: number;
  perMillionImagesUsd: number;
  /** By what was billed: function run time, cold starts (when billed), requests. */
  byComponent: { functionUsd: number; initUsd: number; requestsUsd: number };
  /** By how the invocation ended. */
  byEnd: Record<InvocationEnd, number>;
}

export function costBreakdown(record: JobRecord): CostBreakdown | null {
  const prices = record.spec?.prices;
  if (!prices) return null;
  const images = record.summary.inputs;
  const cost = summarizeCost(record.invocations, images, prices);
  const initGbSeconds = prices.billsInit
    ? record.invocations.reduce((s, i) => s + ((i.initMs ?? 0) / 1000) * (i.memoryMb / 1024), 0)
    : 0;
  const initUsd = Math.min(cost.computeCostUsd, initGbSeconds * prices.usdPerGbSecond);
  const byEnd: Record<InvocationEnd, number> = { ok: 0, failed: 0, timeout: 0, stopped: 0 };
  for (const end of Object.keys(byEnd) as InvocationEnd[])
    byEnd[end] = summarizeCost(
      record.invocations.filter((i) => invocationEnd(i) === end),
      images,
      prices,
    ).costUsd;
  return {
    totalUsd: cost.costUsd,
    perMillionImagesUsd: cost.costPerMillionImagesUsd,
    byComponent: { functionUsd: cost.computeCostUsd - initUsd, initUsd, requestsUsd: cost.requestCostUsd },
    byEnd,
  };
}

/** A prediction made before the job ran (a planned job), to set against what was measured. */
export interface PlannedFigures {
  costUsd?: number;
  costPerMillionImagesUsd?: number;
  latencySeconds?: number;
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/**
 * The prediction a job's plan recorded, if any (`plan.predicted` in `job.json`, written when the
 * job ran with a time estimate); only finite numbers are kept, since a job folder is read as found.
 */
export function plannedFigures(record: JobRecord): PlannedFigures | null {
  const p: Partial<Record<keyof PlannedFigures, unknown>> | undefined = record.plan?.predicted;
  if (!p || typeof p !== 'object') return null;
  const figures: PlannedFigures = {};
  const costUsd = num(p.costUsd);
  const perMillion = num(p.costPerMillionImagesUsd);
  const latency = num(p.latencySeconds);
  if (costUsd !== undefined) figures.costUsd = costUsd;
  if (perMillion !== undefined) figures.costPerMillionImagesUsd = perMillion;
  if (latency !== undefined) figures.latencySeconds = latency;
  return Object.keys(figures).length > 0 ? figures : null;
}
