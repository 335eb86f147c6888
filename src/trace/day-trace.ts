/**
 * A day's jobs as the replay and the simulator take them: trace rows sorted by start, read from
 * a trace CSV file or made from jobs given in memory.
 */
import { SpecError, type Issue } from '../errors.js';
import { malformedSummary, readTraceCsv, type TraceRow } from './trace-csv.js';

/** A day's jobs as trace rows, sorted by start, and where they came from. */
export interface DayTrace {
  rows: readonly TraceRow[];
  /** The trace file; null for jobs given in memory. */
  file: string | null;
  /** Rows of the file that were skipped. */
  malformedRows: number;
}

/** One job of a day given in memory: when it arrives and how many images it has. */
export interface DayJob {
  /** Seconds after the day starts (the first job need not arrive at 0). */
  arrivalSeconds: number;
  /** Images of the job (an integer >= 1). */
  images: number;
  /** The dataset it reads, as a trace's `ds_id` (default `job-<n>`). */
  datasetId?: string;
}

/**
 * Jobs given in memory as trace rows, sorted by arrival (ties keep their order); a row's `line`
 * is the job's position in the list, from 1. Throws {@link SpecError} naming every bad field.
 */
export function jobRows(jobs: readonly DayJob[]): TraceRow[] {
  const issues: Issue[] = [];
  if (jobs.length === 0) issues.push({ path: 'jobs', message: 'expected at least one job' });
  jobs.forEach((job, i) => {
    if (!Number.isFinite(job.arrivalSeconds) || job.arrivalSeconds < 0)
      issues.push({
        path: `jobs[${i}].arrivalSeconds`,
        message: `expected a number >= 0, got ${job.arrivalSeconds}`,
      });
    if (!Number.isInteger(job.images) || job.images < 1)
      issues.push({ path: `jobs[${i}].images`, message: `expected an integer >= 1, got ${job.images}` });
  });
  if (issues.length > 0) throw new SpecError(issues, 'invalid day');
  const rows = jobs.map((job, i) => ({
    line: i + 1,
    startedAtMs: job.arrivalSeconds * 1000,
    datasetId: job.datasetId ?? `job-${i + 1}`,
    images: job.images,
  }));
  return rows.sort((a, b) => a.startedAtMs - b.startedAtMs || a.line - b.line);
}

/**
 * The day a trace file or a list of jobs gives, and a note when rows of the file were skipped
 * (with `strict`, a malformed row is an error instead).
 */
export async function readDayTrace(
  source: string | readonly DayJob[],
  strict = false,
): Promise<DayTrace & { notes: string[] }> {
  if (typeof source !== 'string') return { rows: jobRows(source), file: null, malformedRows: 0, notes: [] };
  const parsed = await readTraceCsv(source, { strict });
  const skipped = malformedSummary(parsed);
  return {
    rows: parsed.rows,
    file: source,
    malformedRows: parsed.malformed.length,
    notes: skipped ? [skipped] : [],
  };
}
