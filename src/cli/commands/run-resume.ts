/**
 * `obifaas run --resume DIR|s3://...`: finish a job whose job manager stopped, with its saved
 * settings; for a job with an `s3://` output, also finish an upload that was cut short.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { CONFIG_KEYS, flagAttribute } from '../../config/keys.js';
import { messageOf, UserError } from '../../errors.js';
import { prepareResume, type PreparedResume } from '../../manager/resume.js';
import { resumedStagedSpec, uploadStagedJob } from '../../manager/staged-job.js';
import type { JobSummary } from '../../manager/types.js';
import { summaryJson } from '../../report/job-summary.js';
import { REPORT_FILE, writeJobReport } from '../../report/write-report.js';
import type { ResolvedJobSpec, S3Connection } from '../../spec/types.js';
import { runCommand, type CommandContext } from '../runner.js';
import { executeJob } from './execute-job.js';
import { locateJob, RESUME_LOCATION_FLAGS } from './resume-s3.js';
import type { RunFlags } from './run.js';
import { formatUpload, uploadFailedNote, uploadOptions } from './upload-outputs.js';

/** Flags that mean nothing with `--resume` (the job's settings are the saved ones). */
function settingFlags(flags: RunFlags): string[] {
  const { resume: _resume, json: _json, report: _report, force: _force, ...rest } = flags;
  const location = new Set(RESUME_LOCATION_FLAGS.keys.map((k) => flagAttribute(k.flag!)));
  return Object.entries(rest)
    .filter(([attribute, value]) => value !== undefined && !location.has(attribute))
    .map(([attribute]) => {
      const key = CONFIG_KEYS.find((k) => k.flag && flagAttribute(k.flag) === attribute);
      return key?.flag ?? `--${attribute.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
    });
}

export async function resumeFromFlags(flags: RunFlags): Promise<void> {
  const location = flags.resume as string;
  const extra = settingFlags(flags);
  if (extra.length > 0) {
    throw new UserError(
      `--resume runs the job with the settings saved in its folder; leave out ${extra.join(', ')}`,
    );
  }
  const located = await locateJob(location, flags);
  for (const note of located.notes) process.stderr.write(`obifaas: ${note}\n`);
  const prepared = await prepareResume(located.dir, { force: flags.force === true });
  try {
    await finishJob(prepared, flags, location, located.connection);
  } finally {
    await prepared.lock.release();
  }
}

async function finishJob(
  prepared: PreparedResume,
  flags: RunFlags,
  location: string,
  connection: S3Connection | undefined,
): Promise<void> {
  if (prepared.kind === 'complete') {
    const spec = resumedStagedSpec(prepared.spec, location, connection);
    const done = `job ${prepared.jobId} (${prepared.inputs} inputs, ${prepared.splits} splits) is already complete`;
    if (!spec.uploadTo) {
      const message = `job ${prepared.jobId} in ${prepared.dir} is already complete (${prepared.inputs} inputs, ${prepared.splits} splits): nothing to resume`;
      await runCommand({ json: flags.json === true, render: (v) => v.message }, async () => ({
        value: { ...summaryJson(prepared.summary), out: prepared.dir, message },
      }));
      return;
    }
    await finishUpload(spec, prepared.summary, done, flags);
    return;
  }
  const { state } = prepared;
  const spec = resumedStagedSpec(prepared.spec, location, connection);
  process.stderr.write(
    `obifaas: resuming job ${state.jobId}: ${prepared.splits - prepared.remaining} of ${prepared.splits} splits done, running ${prepared.remaining}` +
      (prepared.droppedLines > 0
        ? ` (${prepared.droppedLines} result lines of unfinished splits dropped)`
        : '') +
      '\n',
  );
  await executeJob(spec, {
    json: flags.json === true,
    report: flags.report !== false,
    jobDeps: { resume: state, inputs: prepared.inputs, lock: prepared.lock },
    extraJson: { resumed: true, run: state.runs.length },
  });
}

/** A complete job whose outputs go to S3: upload what is not there yet (the job does not run). */
async function finishUpload(
  spec: ResolvedJobSpec,
  summary: JobSummary,
  done: string,
  flags: RunFlags,
): Promise<void> {
  const target = spec.uploadTo!;
  await runCommand(
    {
      json: flags.json === true,
      render: (v) => `${v.message}\n${formatUpload(v.upload)}`,
    },
    async ({ status }: CommandContext) => {
      const notes: string[] = [];
      const report = path.join(spec.outDir, REPORT_FILE);
      if (flags.report !== false && !(await stat(report).catch(() => null))) {
        await writeJobReport(spec.outDir).catch((err: unknown) => {
          notes.push(`warning: no report.html: ${messageOf(err)}`);
        });
      }
      const upload = (await uploadStagedJob(spec, true, uploadOptions(spec, status)))!;
      const message =
        upload.status === 'failed'
          ? `${done}; its upload to ${target.uri} failed again`
          : upload.sent === 0
            ? `${done} and uploaded to ${target.uri}: nothing to resume`
            : `${done}: finished its upload to ${target.uri} (${upload.sent} of ${upload.files} files sent now)`;
      if (upload.status === 'failed') notes.push(uploadFailedNote(upload));
      return {
        value: { ...summaryJson(summary), out: target.uri, message, upload },
        ...(upload.status === 'failed' ? { status: 'failed' as const } : {}),
        notes,
      };
    },
  );
}
