/**
 * Running and resuming a job whose outputs go to object storage (`spec.uploadTo`), for the CLI
 * and the API alike: check the target, run the job in its staging folder (uploading
 * `job.spec.json` once written), let the caller add files (the report), then upload the folder.
 * A job without a target runs as it is.
 */
import { rmdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../errors.js';
import { stagingFolderFor, uploadTargetOf } from '../spec/compile-out.js';
import type { ResolvedJobSpec, S3Connection } from '../spec/types.js';
import {
  prepareUploadTarget,
  restoreStaging,
  uploadJobOutputs,
  uploadJobSpec,
  type RestoredStaging,
  type UploadProgress,
  type UploadReport,
} from './job-upload.js';
import { INVOCATIONS_FILE } from './job-spec-file.js';
import { JOB_SPEC_FILE, RESULTS_FILE, SPLITS_FILE } from './output.js';
import { runJob } from './run-job.js';
import type { JobOutcome, RunJobDeps } from './run-job-types.js';

/** How a job with an `s3://` output is run and uploaded. */
export interface StagedJobOptions {
  /** Adds files to the job's folder before it is uploaded (the report). */
  beforeUpload?: (outcome: JobOutcome) => Promise<void>;
  /** Called as each file is uploaded. */
  onUploadFile?: UploadProgress;
  /**
   * The root of the default staging folders: a completed job's staging folder under it is
   * removed once everything is uploaded (a folder the user named stays).
   */
  stagingRoot?: string;
}

/** A job that ran, and its upload (null for a job without an `s3://` output). */
export interface StagedJobOutcome extends JobOutcome {
  upload: UploadReport | null;
}

/**
 * Uploads a finished job's folder to `spec.uploadTo` (what is there already is not sent again).
 * A storage failure is in the report, never thrown.
 */
export async function uploadStagedJob(
  spec: ResolvedJobSpec,
  completed: boolean,
  options: StagedJobOptions = {},
): Promise<UploadReport | null> {
  const target = spec.uploadTo;
  if (!target) return null;
  const isDefault =
    options.stagingRoot !== undefined && spec.outDir === stagingFolderFor(target, options.stagingRoot);
  return uploadJobOutputs(target, spec.outDir, {
    removeStaging: completed && isDefault,
    ...(options.onUploadFile ? { onFile: options.onUploadFile } : {}),
  });
}

/**
 * Runs a job (`deps.resume`: resumes it) and uploads its folder when it has an `s3://` output.
 * Throws as `runJob` does (an aborted `deps.signal`: its reason, before anything is written); a target that holds objects, or that refuses `job.spec.json`, is a
 * {@link UserError} before any function runs.
 */
export async function runStagedJob(
  spec: ResolvedJobSpec,
  deps: RunJobDeps = {},
  options: StagedJobOptions = {},
): Promise<StagedJobOutcome> {
  deps.signal?.throwIfAborted(); // cancelled before it started: nothing is written, nothing sent
  const target = spec.uploadTo;
  const madeStaging = target && !deps.resume ? await prepareUploadTarget(target, spec.outDir) : false;
  let outcome: JobOutcome;
  try {
    outcome = await runJob(spec, {
      ...deps,
      ...(target ? { onSpecWritten: (dir: string) => uploadJobSpec(target, dir) } : {}),
    });
  } catch (err) {
    // A job refused before it wrote anything (bad inputs, say) leaves no empty staging folder.
    if (madeStaging) await rmdir(spec.outDir).catch(() => undefined);
    throw err;
  }
  await options.beforeUpload?.(outcome);
  const upload = await uploadStagedJob(spec, outcome.summary.status === 'completed', options);
  return { ...outcome, upload };
}

/** Where the job that a resume names lives. */
export interface LocatedJob {
  /** The job's folder: the one given, or the staging folder of an `s3://` location. */
  dir: string;
  /** Set when the staging folder was missing and was restored from the uploaded objects. */
  restored: RestoredStaging | null;
}

/**
 * The folder of the job that `location` names: a local folder as it is; for `s3://bucket/prefix`
 * its staging folder (`staging`, or the default one under `stagingRoot`), restored from the
 * uploaded objects when it is missing. Throws {@link UserError} for a location that names no job.
 */
export async function locateStagedJob(
  location: string,
  options: { staging?: string; connection?: S3Connection; stagingRoot: string },
): Promise<LocatedJob> {
  if (!/^s3:\/\//i.test(location.trim())) {
    if (options.staging !== undefined)
      throw new UserError('--staging goes with --resume s3://BUCKET/PREFIX only');
    return { dir: location, restored: null };
  }
  const target = uploadTargetOf(location, options.connection, '--resume');
  if (!('uri' in target)) throw new UserError(`${target.path}: ${target.message}`);
  const dir = options.staging ?? stagingFolderFor(target, options.stagingRoot);
  if (await stat(path.join(dir, JOB_SPEC_FILE)).catch(() => null)) return { dir, restored: null };
  const restored = await restoreStaging(target, dir, [SPLITS_FILE, RESULTS_FILE, INVOCATIONS_FILE]);
  return { dir, restored };
}

/**
 * A resumed job's saved spec, with the S3 connection settings given now (they win over the
 * saved ones). Refuses a staging folder whose job uploads elsewhere than `location`.
 */
export function resumedStagedSpec(
  spec: ResolvedJobSpec,
  location: string,
  connection?: S3Connection,
): ResolvedJobSpec {
  const target = spec.uploadTo;
  if (/^s3:\/\//i.test(location.trim())) {
    const given = uploadTargetOf(location, undefined, '--resume');
    if (!target || ('uri' in given && given.uri !== target.uri))
      throw new UserError(
        `--resume: the staging folder ${spec.outDir} holds a job of ${target?.uri ?? 'a local output folder'}, not of ${location.trim()}`,
      );
  }
  if (!connection || !target) return spec;
  return {
    ...spec,
    s3: { ...spec.s3, ...connection },
    uploadTo: { ...target, store: { ...target.store, ...connection } },
  };
}
