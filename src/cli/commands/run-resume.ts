/**
 * `obifaas run --resume DIR|s3://...`: finish a job whose job manager stopped, with its saved
 * settings; for a job with an `s3://` output, also finish an upload that was cut short. The
 * flow is the API's (`api/resume-job.ts`); this module says what it finds and prints the end.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { finishJob, type ResumedJob, type ResumeFound } from '../../api/resume-job.js';
import { CONFIG_KEYS, flagAttribute } from '../../config/keys.js';
import { UserError } from '../../errors.js';
import type { UploadProgress } from '../../manager/job-upload.js';
import type { LocatedJob } from '../../manager/staged-job.js';
import type { JobEvent } from '../../manager/job-events.js';
import { JOB_SPEC_FILE } from '../../manager/output.js';
import { summaryJson } from '../../report/job-summary.js';
import { REPORT_FILE } from '../../report/write-report.js';
import { clearTextWarnings } from '../../spec/clear-text.js';
import { FUNCTION_TOKEN_ENV } from '../../protocol/http-function.js';
import { jobProgress } from '../progress.js';
import { inputErrorsNote } from './input-errors-note.js';
import { runCommand, type CommandResult } from '../runner.js';
import { plural } from '../../util/plural.js';
import { S3_LOCATION_FLAGS } from '../job-settings.js';
import { s3LocationSettings } from '../s3-out.js';
import {
  CANCELLING_JOB,
  executedJobJson,
  formatJobOutcome,
  jobResult,
  ReportWriter,
  type ExecutedJob,
} from './execute-job.js';
import type { RunFlags } from './run.js';
import { formatUpload, uploadFailedNote, uploadProgress } from './upload-outputs.js';

/**
 * The flags `--resume` takes besides `--json`, `--no-report` and `--force`: where the job is
 * (`--staging`, the S3 connection settings, which win over the saved ones), not what it does.
 */
const RESUME_LOCATION_FLAGS = S3_LOCATION_FLAGS;

/** Flags that mean nothing with `--resume` (the job's settings are the saved ones). */
function settingFlags(flags: RunFlags): string[] {
  const {
    resume: _resume,
    json: _json,
    report: _report,
    force: _force,
    retryErrors: _retryErrors,
    ...rest
  } = flags;
  const location = new Set(RESUME_LOCATION_FLAGS.keys.map((k) => flagAttribute(k.flag!)));
  return Object.entries(rest)
    .filter(([attribute, value]) => value !== undefined && !location.has(attribute))
    .map(([attribute]) => {
      const key = CONFIG_KEYS.find((k) => k.flag && flagAttribute(k.flag) === attribute);
      return key?.flag ?? `--${attribute.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
    });
}

/** What `run --resume` prints: a complete job and what it said, or a job that ran again. */
type ResumeOutput =
  | { kind: 'complete'; value: Record<string, unknown> & { message: string }; upload: ResumedUpload }
  | { kind: 'ran'; job: ExecutedJob; run: number; retried?: RetriedErrors };

/** `--retry-errors`: inputs run again, and how many of them now have a prediction (null: the job did not complete). */
interface RetriedErrors {
  inputs: number;
  ok: number | null;
}

/** The line that says what `--retry-errors` did. */
function retriedLine({ inputs, ok }: RetriedErrors): string {
  const now =
    ok === null ? 'the job did not complete' : `${ok} now ${ok === 1 ? 'has' : 'have'} a prediction`;
  return `retried ${plural(inputs, 'input')} whose line was a passing error: ${now}`;
}
type ResumedUpload = Extract<ResumedJob, { kind: 'complete' }>['upload'];

/** What to say about a staging folder restored from the uploaded objects. */
function restoredNote(location: string, { dir, restored }: LocatedJob): string | null {
  if (!restored) return null;
  const notYet =
    restored.missing.length > 0
      ? `; not uploaded yet: ${restored.missing.join(', ')} (the splits they would record run again)`
      : '';
  return `the staging folder ${dir} was missing: restored ${restored.files.length} files from ${location.trim()}${notYet}`;
}

/** The line that says a job runs again, and how much of it. */
function resumingNote(found: ResumeFound): string {
  const dropped =
    found.droppedLines > 0 ? ` (${found.droppedLines} result lines of unfinished splits dropped)` : '';
  const unchecked = found.modelChecked
    ? ''
    : `; its model could not be checked: ${JOB_SPEC_FILE} records no digest of it (a job started by an earlier version)`;
  const retrying =
    found.retriedInputs !== undefined
      ? ` (${plural(found.retriedInputs, 'input')} whose line was a passing error run again)`
      : '';
  return `resuming job ${found.jobId}: ${found.splits - found.remaining} of ${found.splits} splits done, running ${found.remaining}${retrying}${dropped}${unchecked}`;
}

/** How a complete job's resume ended: its message, its exit status and notes. */
function completeResult(
  resumed: Extract<ResumedJob, { kind: 'complete' }>,
  notes: string[],
): CommandResult<ResumeOutput> {
  const { found, summary, upload } = resumed;
  const done = `job ${found.jobId} (${plural(found.inputs, 'input')}, ${plural(found.splits, 'split')}) is already complete`;
  if (!upload) {
    const nothing =
      found.retriedInputs === 0
        ? 'no input ended with a passing error, nothing to retry'
        : 'nothing to resume';
    const message = `job ${found.jobId} in ${found.dir} is already complete (${plural(found.inputs, 'input')}, ${plural(found.splits, 'split')}): ${nothing}`;
    const value = { ...summaryJson(summary), out: found.dir, message };
    return { value: { kind: 'complete', value, upload }, notes };
  }
  const target = upload.to;
  const message =
    upload.status === 'failed'
      ? `${done}; its upload to ${target} failed again`
      : upload.sent === 0
        ? `${done} and uploaded to ${target}: nothing to resume`
        : `${done}: finished its upload to ${target} (${upload.sent} of ${upload.files} files sent now)`;
  if (upload.status === 'failed') notes.push(uploadFailedNote(upload));
  const value = { ...summaryJson(summary), out: target, message, upload };
  return {
    value: { kind: 'complete', value, upload },
    ...(upload.status === 'failed' ? { status: 'failed' as const } : {}),
    notes,
  };
}

export async function resumeFromFlags(flags: RunFlags): Promise<void> {
  const location = flags.resume as string;
  const extra = settingFlags(flags);
  if (extra.length > 0) {
    throw new UserError(
      `--resume runs the job with the settings saved in its folder; leave out ${extra.join(', ')}`,
    );
  }
  const { staging, connection } = await s3LocationSettings(flags, '--resume');
  const withReport = flags.report !== false;
  // A signal cancels the job once it runs; before (and for a complete job) it quits at once.
  let running = false;
  await runCommand<ResumeOutput>(
    {
      json: flags.json === true,
      render: (out, width) =>
        out.kind === 'ran'
          ? [formatJobOutcome(out.job, width), ...(out.retried ? [retriedLine(out.retried)] : [])].join('\n')
          : out.upload
            ? `${out.value.message}\n${formatUpload(out.upload)}`
            : out.value.message,
      toJson: (out) =>
        out.kind === 'ran'
          ? {
              ...executedJobJson(out.job, { resumed: true, run: out.run }),
              ...(out.retried ? { retriedErrors: out.retried } : {}),
            }
          : out.value,
      cancelling: () => (running ? CANCELLING_JOB : undefined),
    },
    async ({ signal, status, notice }) => {
      const notes: string[] = [];
      const report = new ReportWriter(notes);
      let progress: ((event: JobEvent) => void) | undefined;
      let uploading: UploadProgress | undefined;
      const resumed = await finishJob(location, {
        force: flags.force === true,
        retryErrors: flags.retryErrors === true,
        ...(staging !== undefined ? { staging } : {}),
        ...(connection ? { connection } : {}),
        signal,
        onProgress: (event) => progress?.(event),
        onLocated: (located) => {
          const note = restoredNote(location, located);
          if (note) notice(note);
        },
        onFound: (found) => {
          if (found.spec.uploadTo) uploading = uploadProgress(found.spec.uploadTo.uri, status);
          if (found.complete) return;
          notice(resumingNote(found));
          if (flags.retryErrors === true && found.retriedInputs === undefined)
            notice(
              'note: --retry-errors runs again the inputs of a complete job: this run finishes the job first; give --retry-errors again once it is complete',
            );
          for (const warning of clearTextWarnings(found.spec, Boolean(process.env[FUNCTION_TOKEN_ENV])))
            notice(`warning: ${warning}`);
          progress = jobProgress(status, found.spec.name, { notice });
          running = true;
        },
        // A job that ran gets its report again; a complete one keeps its own, or gets one.
        beforeUpload: async (dir, ran) => {
          if (!withReport) return;
          if (ran || !(await stat(path.join(dir, REPORT_FILE)).catch(() => null))) await report.write(dir);
        },
        onUploadFile: (file, index, count) => uploading?.(file, index, count),
      });
      if (resumed.kind === 'complete') return completeResult(resumed, notes);
      const { upload, ...outcome } = resumed.outcome;
      const job: ExecutedJob = { ...outcome, reportFile: report.file, upload };
      const errors = await inputErrorsNote(outcome.outDir, outcome.summary);
      if (errors) notes.push(errors);
      const result = jobResult(job, notes, signal.aborted);
      const retried =
        resumed.found.retriedInputs !== undefined
          ? { inputs: resumed.found.retriedInputs, ok: resumed.retriedNowOk ?? null }
          : undefined;
      return {
        ...result,
        value: { kind: 'ran', job, run: resumed.found.run, ...(retried ? { retried } : {}) },
      };
    },
  );
}
