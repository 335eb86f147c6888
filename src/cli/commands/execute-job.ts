/**
 * Runs a resolved job in the terminal (progress bar, Ctrl-C, summary), for `obifaas run`,
 * `run --resume` and `demo`.
 */
import { messageOf, UserError } from '../../errors.js';
import { runJob } from '../../manager/run-job.js';
import type { JobOutcome, RunJobDeps } from '../../manager/types.js';
import { JOB_RECORD_FILE, RESULTS_FILE } from '../../manager/output.js';
import { formatSummaryTable, summaryJson } from '../../report/job-summary.js';
import { writeJobReport } from '../../report/write-report.js';
import { createProgressReporter } from '../../report/progress.js';
import type { ResolvedJobSpec } from '../../spec/types.js';

/** Exit code of a cancelled job (as for SIGINT). */
export const CANCELLED_EXIT_CODE = 130;

export interface ExecuteOptions {
  json: boolean;
  /** Extra keys for the `--json` object. */
  extraJson?: Record<string, unknown>;
  /** More for `runJob` (a resumed job's state). */
  jobDeps?: RunJobDeps;
  /** Write `report.html` into the job's folder (default true). */
  report?: boolean;
}

/** Writes the job's report; a failure to write it is a warning, never the job's failure. */
async function reportQuietly(outDir: string): Promise<string | null> {
  try {
    return (await writeJobReport(outDir)).file;
  } catch (err) {
    process.stderr.write(`obifaas: warning: no report.html: ${messageOf(err)}\n`);
    return null;
  }
}

/**
 * Runs a resolved job with a progress bar (on a terminal) and Ctrl-C handling, then prints the
 * summary table or JSON. Sets the exit code for a cancelled job; throws `UserError` for a job
 * stopped by a failure that retries cannot fix.
 */
export async function executeJob(spec: ResolvedJobSpec, options: ExecuteOptions): Promise<JobOutcome> {
  const controller = new AbortController();
  const onSignal = (): void => {
    if (controller.signal.aborted) process.exit(CANCELLED_EXIT_CODE);
    process.stderr.write(
      '\nobifaas: cancelling: stopping functions and writing what is done (press Ctrl-C again to quit now)\n',
    );
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const progress = createProgressReporter({ label: spec.name });
  let outcome: JobOutcome;
  try {
    outcome = await runJob(spec, {
      ...options.jobDeps,
      signal: controller.signal,
      onProgress: (p) => progress.update(p),
    });
  } finally {
    progress.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  const { summary, record, outDir } = outcome;
  const report = options.report === false ? null : await reportQuietly(outDir);
  if (options.json) {
    process.stdout.write(`${JSON.stringify({ ...summaryJson(summary), ...options.extraJson })}\n`);
  } else {
    process.stdout.write(`${formatSummaryTable(summary)}\n`);
    process.stdout.write(`Results: ${outDir}/${RESULTS_FILE}\nRecord:  ${outDir}/${JOB_RECORD_FILE}\n`);
    if (report) process.stdout.write(`Report:  ${report}\n`);
  }
  if (summary.status === 'cancelled') {
    process.stderr.write(
      `obifaas: job cancelled; unfinished inputs are marked "cancelled" in ${RESULTS_FILE}\n`,
    );
    process.exitCode = CANCELLED_EXIT_CODE;
  } else if (summary.status === 'failed') {
    throw new UserError(`job stopped: ${record.stopReason ?? 'unknown reason'} (outputs in ${outDir})`);
  }
  return outcome;
}
