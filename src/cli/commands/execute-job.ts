/**
 * Runs a resolved job through the command runner (progress line, cancellation, summary table
 * or JSON, exit code), for `obifaas run`, `run --resume` and `demo`.
 */
import { messageOf } from '../../errors.js';
import { JOB_RECORD_FILE, RESULTS_FILE } from '../../manager/output.js';
import type { UploadReport } from '../../manager/job-upload.js';
import { resumeCommand, unfinishedInputs } from '../../manager/resume-command.js';
import { runStagedJob } from '../../manager/staged-job.js';
import type { JobOutcome, RunJobDeps } from '../../manager/run-job-types.js';
import { formatSummaryTable, summaryJson } from '../../report/job-summary.js';
import { REPORT_FILE, writeJobReport } from '../../report/write-report.js';
import type { ResolvedJobSpec } from '../../spec/types.js';
import { clearTextWarnings } from '../../spec/clear-text.js';
import { FUNCTION_TOKEN_ENV } from '../../protocol/http-function.js';
import { jobProgress } from '../progress.js';
import { inputErrorsNote } from './input-errors-note.js';
import { runCommand, type CommandResult } from '../runner.js';
import { formatUpload, uploadFailedNote, uploadOptions } from './upload-outputs.js';

export interface ExecuteOptions {
  json: boolean;
  /** Extra keys for the `--json` object. */
  extraJson?: Record<string, unknown>;
  /** More for `runJob` (a resumed job's state). */
  jobDeps?: RunJobDeps;
  /** Write `report.html` into the job's folder (default true). */
  report?: boolean;
}

/** A job that ran, its `report.html` (null when none was written) and its upload (null: none). */
export interface ExecutedJob extends JobOutcome {
  reportFile: string | null;
  upload?: UploadReport | null;
}

/** What a cancelled job's first signal does. */
export const CANCELLING_JOB = `the job: stopping the functions; inputs without a result get the error "cancelled"`;

/** The summary table (its values wrapped within `width` columns, when given) and where the outputs are. */
export function formatJobOutcome(
  { summary, outDir, reportFile, upload, record }: ExecutedJob,
  width?: number,
): string {
  const at = upload?.status === 'uploaded' ? upload.to : outDir;
  const vectors = record.embeddings;
  return [
    formatSummaryTable(summary, width),
    `Results: ${at}/${RESULTS_FILE}`,
    ...(vectors
      ? [
          `Vectors: ${vectors.file} (${vectors.rows} rows${vectors.dims !== null ? ` x ${vectors.dims} float32` : ''})`,
        ]
      : []),
    `Record:  ${at}/${JOB_RECORD_FILE}`,
    ...(reportFile
      ? [`Report:  ${upload?.status === 'uploaded' ? `${at}/${REPORT_FILE}` : reportFile}`]
      : []),
    ...(upload ? [formatUpload(upload)] : []),
  ].join('\n');
}

/**
 * What a cancelled job says: where its unfinished inputs are, and the command that finishes it
 * (`at`: its folder, or the `s3://` prefix of a job with an S3 output).
 */
export function cancelledNote(at: string): string {
  return `job cancelled; unfinished inputs are marked "cancelled" in ${RESULTS_FILE}; to finish it: ${resumeCommand(at)}`;
}

/**
 * What a job stopped by a failure says: why, where its outputs are, and, when some inputs have
 * no result of their own (their line is the stop's error), the command that finishes it once the
 * cause is fixed (`at`: its folder, or the `s3://` prefix of a job with an S3 output). A job
 * whose every input had its result first, or whose reason already names the command, says
 * nothing more.
 */
export function stoppedNote({ record, outDir }: Pick<ExecutedJob, 'record' | 'outDir'>, at: string): string {
  const stopped = `job stopped: ${record.stopReason ?? 'unknown reason'} (outputs in ${outDir})`;
  const unfinished = unfinishedInputs(record);
  const command = resumeCommand(at);
  if (unfinished === 0 || record.stopReason?.includes(command)) return stopped;
  const inputs = `${unfinished} of ${record.summary.inputs} inputs`;
  return `${stopped}; ${inputs} have no result, their line in ${RESULTS_FILE} says "job stopped"; once the cause is fixed, to finish it: ${command}`;
}

/** What a job that completed though cancelled says: every input had its result first. */
export const CANCELLED_TOO_LATE = `the cancel came after every input had its result: the job completed (exit 0)`;

/**
 * How a job ended, for the runner: its exit status and what to say about it. `cancelled`: the
 * command was cancelled while the job ran (a job that completed all the same says so).
 */
export function jobResult(
  job: ExecutedJob,
  notes: string[] = [],
  cancelled = false,
): CommandResult<ExecutedJob> {
  const { summary, outDir, upload } = job;
  if (cancelled && summary.status === 'completed') notes.push(CANCELLED_TOO_LATE);
  if (upload?.status === 'failed') notes.push(uploadFailedNote(upload));
  if (summary.status === 'cancelled')
    return {
      value: job,
      status: 'cancelled',
      notes: [...notes, cancelledNote(upload ? upload.to : outDir)],
    };
  if (summary.status === 'failed')
    return {
      value: job,
      status: 'failed',
      notes: [...notes, stoppedNote(job, upload ? upload.to : outDir)],
    };
  return upload?.status === 'failed' ? { value: job, status: 'failed', notes } : { value: job, notes };
}

/** What `--json` prints of a job that ran: its summary, upload and vectors, and `extra`. */
export function executedJobJson(
  { summary, upload, record }: ExecutedJob,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    ...summaryJson(summary),
    ...(upload ? { upload } : {}),
    ...(record.embeddings ? { embeddings: record.embeddings } : {}),
    ...extra,
  };
}

/** Writes a job's `report.html`; one that cannot be written is a warning, never the job's failure. */
export class ReportWriter {
  /** The report written, null until one is. */
  file: string | null = null;
  constructor(private readonly notes: string[]) {}
  async write(dir: string): Promise<void> {
    try {
      this.file = (await writeJobReport(dir)).file;
    } catch (err) {
      this.notes.push(`warning: no report.html: ${messageOf(err)}`);
    }
  }
}

/** Runs a resolved job; the exit code says how it ended (0, 1 failed, 130 cancelled). */
export async function executeJob(spec: ResolvedJobSpec, options: ExecuteOptions): Promise<void> {
  await runCommand(
    {
      json: options.json,
      render: formatJobOutcome,
      toJson: (job) => executedJobJson(job, options.extraJson),
      cancelling: CANCELLING_JOB,
    },
    async ({ signal, status, notice }) => {
      for (const warning of clearTextWarnings(spec, Boolean(process.env[FUNCTION_TOKEN_ENV])))
        notice(`warning: ${warning}`);
      const notes: string[] = [];
      const report = new ReportWriter(notes);
      const beforeUpload = async (outcome: JobOutcome): Promise<void> => {
        const errors = await inputErrorsNote(outcome.outDir, outcome.summary);
        if (errors) notes.push(errors);
        if (options.report !== false) await report.write(outcome.outDir);
      };
      const { upload, ...outcome } = await runStagedJob(
        spec,
        { ...options.jobDeps, signal, onProgress: jobProgress(status, spec.name, { notice }) },
        {
          ...uploadOptions(spec, status),
          beforeUpload,
        },
      );
      const unpredicted = outcome.record.plan?.noPrediction;
      if (options.jobDeps?.estimate && unpredicted)
        notes.push(`warning: no predicted cost to compare: ${unpredicted}`);
      return jobResult({ ...outcome, reportFile: report.file, upload }, notes, signal.aborted);
    },
  );
}
