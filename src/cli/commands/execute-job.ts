/**
 * Runs a resolved job through the command runner (progress line, cancellation, summary table
 * or JSON, exit code), for `obifaas run`, `run --resume` and `demo`.
 */
import { messageOf } from '../../errors.js';
import { JOB_RECORD_FILE, RESULTS_FILE } from '../../manager/output.js';
import { runJob } from '../../manager/run-job.js';
import type { JobOutcome, RunJobDeps } from '../../manager/types.js';
import { formatSummaryTable, summaryJson } from '../../report/job-summary.js';
import { writeJobReport } from '../../report/write-report.js';
import type { ResolvedJobSpec } from '../../spec/types.js';
import { jobProgress } from '../progress.js';
import { runCommand, type CommandResult } from '../runner.js';

export interface ExecuteOptions {
  json: boolean;
  /** Extra keys for the `--json` object. */
  extraJson?: Record<string, unknown>;
  /** More for `runJob` (a resumed job's state). */
  jobDeps?: RunJobDeps;
  /** Write `report.html` into the job's folder (default true). */
  report?: boolean;
}

/** A job that ran, and its `report.html` (null when none was written). */
export interface ExecutedJob extends JobOutcome {
  reportFile: string | null;
}

/** What a cancelled job's first signal does. */
export const CANCELLING_JOB = `the job: stopping the functions; inputs without a result get the error "cancelled"`;

/** The summary table and where the outputs are. */
export function formatJobOutcome({ summary, outDir, reportFile, record }: ExecutedJob): string {
  const vectors = record.embeddings;
  return [
    formatSummaryTable(summary),
    `Results: ${outDir}/${RESULTS_FILE}`,
    ...(vectors
      ? [
          `Vectors: ${vectors.file} (${vectors.rows} rows${vectors.dims !== null ? ` x ${vectors.dims} float32` : ''})`,
        ]
      : []),
    `Record:  ${outDir}/${JOB_RECORD_FILE}`,
    ...(reportFile ? [`Report:  ${reportFile}`] : []),
  ].join('\n');
}

/** How a job ended, for the runner: its exit status and what to say about it. */
export function jobResult(job: ExecutedJob, notes: string[] = []): CommandResult<ExecutedJob> {
  const { summary, record, outDir } = job;
  if (summary.status === 'cancelled')
    return {
      value: job,
      status: 'cancelled',
      notes: [...notes, `job cancelled; unfinished inputs are marked "cancelled" in ${RESULTS_FILE}`],
    };
  if (summary.status === 'failed')
    return {
      value: job,
      status: 'failed',
      notes: [...notes, `job stopped: ${record.stopReason ?? 'unknown reason'} (outputs in ${outDir})`],
    };
  return { value: job, notes };
}

/** Runs a resolved job; the exit code says how it ended (0, 1 failed, 130 cancelled). */
export async function executeJob(spec: ResolvedJobSpec, options: ExecuteOptions): Promise<void> {
  await runCommand(
    {
      json: options.json,
      render: formatJobOutcome,
      toJson: ({ summary, record }) => ({
        ...summaryJson(summary),
        ...(record.embeddings ? { embeddings: record.embeddings } : {}),
        ...options.extraJson,
      }),
      cancelling: CANCELLING_JOB,
    },
    async ({ signal, status }) => {
      const outcome = await runJob(spec, {
        ...options.jobDeps,
        signal,
        onProgress: jobProgress(status, spec.name),
      });
      // A report that cannot be written is a warning, never the job's failure.
      const notes: string[] = [];
      const unpredicted = outcome.record.plan?.noPrediction;
      if (options.jobDeps?.estimate && unpredicted)
        notes.push(`warning: no predicted cost to compare: ${unpredicted}`);
      let reportFile: string | null = null;
      if (options.report !== false) {
        try {
          reportFile = (await writeJobReport(outcome.outDir)).file;
        } catch (err) {
          notes.push(`warning: no report.html: ${messageOf(err)}`);
        }
      }
      return jobResult({ ...outcome, reportFile }, notes);
    },
  );
}
