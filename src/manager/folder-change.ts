/**
 * When a job's folder last changed, on its latest run's clock (pure). A run times its records
 * with its steady clock (`util/steady-clock.ts`: the wall clock when it started, plus the
 * monotonic time since), while the files' modification times are wall times. The two part when
 * the wall clock steps or the machine sleeps during the run, so a modification time is not
 * compared with a recorded time as it is: it is moved onto the run's clock by the offset the
 * run's latest record shows. A file whose last record the run wrote last was written at that
 * record's time, on the run's clock, and its modification time says when that was on the wall
 * clock.
 */

/** One of the job's files, as `--resume` finds it. */
export interface FolderFile {
  /** Its modification time: wall-clock epoch ms. */
  mtimeMs: number;
  /**
   * The time, on the latest run's clock, of the record the latest run wrote last in it (its
   * last line, or the run's start in `job.spec.json`); absent when it holds none of that run's
   * times (a log, the results, a file the run did not write).
   */
  lastRecordAt?: number;
}

/**
 * The last change of the folder on the latest run's clock. A file the run last wrote a timed
 * record to changed then; any other file at its modification time less the offset between the
 * wall clock and the run's clock at the run's latest record (none known: no offset). A sleep or
 * a step of the wall clock after the run's latest record cannot be seen (an estimate it
 * lengthens stays within the invocation timeout). Undefined for no file.
 */
export function folderChangeOnRunClock(files: readonly FolderFile[]): number | undefined {
  if (files.length === 0) return undefined;
  let anchor: { mtimeMs: number; lastRecordAt: number } | undefined;
  for (const f of files)
    if (f.lastRecordAt !== undefined && Number.isFinite(f.lastRecordAt))
      if (anchor === undefined || f.lastRecordAt > anchor.lastRecordAt)
        anchor = { mtimeMs: f.mtimeMs, lastRecordAt: f.lastRecordAt };
  const offsetMs = anchor ? anchor.mtimeMs - anchor.lastRecordAt : 0;
  return Math.max(
    ...files.map((f) =>
      f.lastRecordAt !== undefined && Number.isFinite(f.lastRecordAt) ? f.lastRecordAt : f.mtimeMs - offsetMs,
    ),
  );
}
