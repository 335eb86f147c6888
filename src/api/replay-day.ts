/**
 * `replayDay()`: a day of jobs run for real (`obifaas replay` from code): each job of the trace,
 * at its (scaled) time, runs through the job manager on the shared backend, under the caps and
 * the policy; the day's report is `day.json`'s object.
 */
import { replayDayTrace, type ReplayRun } from '../replay/replay-trace.js';
import type { ReplayProgress } from '../replay/run-replay.js';
import type { ResolvedJobSpec } from '../spec/types.js';
import { readDayTrace } from '../trace/day-trace.js';
import { safeListener } from '../util/listener.js';
import { SpecError } from '../errors.js';
import { dayFlags, dayOptionIssues, type DayOptions } from './day.js';

/** What {@link replayDay} replays: the day, and the settings every job of it shares. */
export interface ReplayDayOptions extends DayOptions {
  /**
   * The settings every job shares (from {@link resolveJobSpec}): its `inputs` are the dataset
   * each job takes its images from (in order, starting over when a job asks for more), and its
   * model, backend, mode, workers, split size and pipeline are each job's. `out` is ignored:
   * each job gets a folder in the day folder.
   */
  job: ResolvedJobSpec;
  /** Stops the day: later jobs are not submitted, running ones are cancelled (every input still gets a line). */
  signal?: AbortSignal;
  /** Receives where the day stands: jobs submitted, queued, running and ended; images done. */
  onProgress?: (progress: ReplayProgress) => void;
}

/** A replayed day: its report (also in `file`), its folder, and notes on skipped rows or failed jobs. */
export type ReplayedDay = ReplayRun;

/**
 * Replays the day with real job managers; returns its report, written to `<out>/day.json` beside
 * one folder per job (default `out`: `./obifaas-out/replay-<trace>-<time>`, which must be new or
 * empty). The dataset, the model and the day folder are checked before any job starts: throws
 * `UserError` for bad input (`SpecError` naming every bad day option: `maxJobs`, `speed`...).
 */
export async function replayDay(options: ReplayDayOptions): Promise<ReplayedDay> {
  const issues = dayOptionIssues(options);
  if (issues.length > 0) throw new SpecError(issues, 'invalid day options');
  const trace = await readDayTrace(options.trace, options.strict);
  const run = await replayDayTrace(
    trace,
    options.job,
    { ...dayFlags(options), ...(options.out !== undefined ? { out: options.out } : {}) },
    {
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.onProgress ? { onProgress: safeListener('onProgress', options.onProgress) } : {}),
    },
  );
  return { ...run, notes: [...trace.notes, ...run.notes] };
}
