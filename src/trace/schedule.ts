/**
 * When each job of a trace is submitted, and with which inputs (pure). Gaps between consecutive
 * starts are capped at `maxWaitSeconds` (an idle night does not make a replay wait for hours)
 * and then divided by `speed`. Both the replay and the simulator use this schedule.
 */
import { SpecError, UserError, type Issue } from '../errors.js';
import type { TraceRow } from './trace-csv.js';

export interface ScheduleOptions {
  /** Time compression: 60 plays an hour of (capped) trace in a minute. Default 1. */
  speed?: number;
  /** Longest gap kept between consecutive arrivals, in trace seconds; default 600. `Infinity` keeps all. */
  maxWaitSeconds?: number;
}

export const SCHEDULE_DEFAULTS = Object.freeze({ speed: 1, maxWaitSeconds: 600 });

/** One job of the schedule. */
export interface ScheduledJob {
  /** Position in start order, from 0. */
  index: number;
  /** `job-00001`, ... in start order. */
  id: string;
  row: TraceRow;
  /** When to submit it, in ms after the schedule starts (capped and compressed). */
  arrivalMs: number;
  /** Its start in the trace, seconds after the first job's start (neither capped nor compressed). */
  traceOffsetSeconds: number;
  /** True when the gap before it was longer than `maxWaitSeconds` and was cut. */
  gapCapped: boolean;
}

/** The problems of schedule options, each under its option. */
export function scheduleIssues(options: ScheduleOptions = {}): Issue[] {
  const speed = options.speed ?? SCHEDULE_DEFAULTS.speed;
  const maxWaitSeconds = options.maxWaitSeconds ?? SCHEDULE_DEFAULTS.maxWaitSeconds;
  const issues: Issue[] = [];
  if (!Number.isFinite(speed) || speed <= 0)
    issues.push({ path: 'speed', message: `expected a number > 0, got ${speed}` });
  if (Number.isNaN(maxWaitSeconds) || maxWaitSeconds < 0)
    issues.push({ path: 'maxWaitSeconds', message: `expected a number >= 0, got ${maxWaitSeconds}` });
  return issues;
}

/** Checks schedule options; throws {@link SpecError} naming each bad option. */
export function resolveScheduleOptions(options: ScheduleOptions = {}): Required<ScheduleOptions> {
  const issues = scheduleIssues(options);
  if (issues.length > 0) throw new SpecError(issues, 'invalid schedule');
  return {
    speed: options.speed ?? SCHEDULE_DEFAULTS.speed,
    maxWaitSeconds: options.maxWaitSeconds ?? SCHEDULE_DEFAULTS.maxWaitSeconds,
  };
}

/** The arrival schedule of rows already sorted by start (as {@link parseTraceCsv} returns them). */
export function buildSchedule(rows: readonly TraceRow[], options: ScheduleOptions = {}): ScheduledJob[] {
  const { speed, maxWaitSeconds } = resolveScheduleOptions(options);
  const first = rows[0];
  if (!first) return [];
  const width = Math.max(5, String(rows.length).length);
  const jobs: ScheduledJob[] = [];
  let arrivalMs = 0;
  let previous = first.startedAtMs;
  rows.forEach((row, index) => {
    const gapSeconds = (row.startedAtMs - previous) / 1000;
    if (gapSeconds < 0) throw new RangeError(`rows must be sorted by start (line ${row.line})`);
    const kept = Math.min(gapSeconds, maxWaitSeconds);
    arrivalMs += (kept * 1000) / speed;
    previous = row.startedAtMs;
    jobs.push({
      index,
      id: `job-${String(index + 1).padStart(width, '0')}`,
      row,
      arrivalMs,
      traceOffsetSeconds: (row.startedAtMs - first.startedAtMs) / 1000,
      gapCapped: gapSeconds > maxWaitSeconds,
    });
  });
  return jobs;
}

/**
 * `count` inputs from a dataset's keys, in order, starting over at the first key when the job
 * asks for more than the dataset has (so keys repeat). Throws {@link UserError} for an empty dataset.
 */
export function takeInputs(keys: readonly string[], count: number): string[] {
  if (keys.length === 0) throw new UserError('dataset: the manifest lists no inputs');
  if (!Number.isInteger(count) || count < 0)
    throw new RangeError(`count must be an integer >= 0, got ${count}`);
  if (count <= keys.length) return keys.slice(0, count);
  const out = new Array<string>(count);
  for (let i = 0; i < count; i++) out[i] = keys[i % keys.length] as string;
  return out;
}
