/**
 * A job whose outputs go to object storage (`--out s3://bucket/prefix`). The job manager works
 * in a local staging folder, exactly as in an output folder, so that `--resume` works the same;
 * `job.spec.json` is uploaded when the job starts (so a job that cannot write there stops before
 * any function runs, and a lost staging folder can be restored), and every file of the folder
 * when it ends, `job.json` last. An upload cut short is completed by `--resume`, which sends
 * only the files not uploaded yet, and never runs the job again.
 */
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { messageOf, StorageError, UserError } from '../errors.js';
import type { BlobStore } from '../storage/blob-store.js';
import { downloadFolder, uploadFolder } from '../storage/folder-upload.js';
import { openStore } from '../storage/open-store.js';
import type { UploadTarget } from '../spec/types.js';
import { JOB_RECORD_FILE, JOB_SPEC_FILE } from './output.js';
import { isJobLockFile } from './job-lock.js';
import { jobRecordSchema } from './job-record-schema.js';
import { resumeCommand } from './resume-command.js';
import { makeFolder } from '../util/make-folder.js';
import { parseJsonText } from '../util/json-file.js';

/** The staging folder's record of what was uploaded (hidden: never uploaded itself). */
export const UPLOAD_STATE_FILE = '.obifaas-upload.json';

/** How a job's upload ended. */
export type UploadReport =
  | {
      status: 'uploaded';
      /** `s3://bucket/prefix` */
      to: string;
      /** Files in the folder, and those this upload sent (the rest were there already). */
      files: number;
      sent: number;
      bytesSent: number;
      /** The staging folder, or null once removed (a completed job's default staging). */
      staging: string | null;
    }
  | { status: 'failed'; to: string; files: number; sent: number; error: string; staging: string };

/** Progress of an upload, file by file. */
export type UploadProgress = (file: string, index: number, count: number) => void;

async function withStore<T>(target: UploadTarget, use: (store: BlobStore) => Promise<T>): Promise<T> {
  const store = await openStore(target.store);
  try {
    return await use(store);
  } finally {
    await store.close();
  }
}

/** A storage failure before the job runs is the user's to fix: a UserError naming the target. */
function asUserError(err: unknown, target: UploadTarget, doing: string): unknown {
  if (!(err instanceof StorageError)) return err;
  return new UserError(`out: ${doing} ${target.uri}: ${err.message}`, { cause: err });
}

/**
 * Before a new job (or another command's outputs) goes to an `s3://` target: the prefix must
 * hold no objects (it is new or empty), and the staging folder `dir` no job; creates the staging
 * folder (mode 0700); true when it made it (it did not exist). Throws {@link UserError} naming
 * what is in the way.
 */
export async function prepareUploadTarget(target: UploadTarget, dir: string): Promise<boolean> {
  const found: string[] = [];
  let completed = false;
  try {
    await withStore(target, async (store) => {
      for await (const key of store.list()) if (found.push(key) >= 20) break;
      if (found.includes(JOB_RECORD_FILE)) completed = await holdsCompletedJob(store);
    });
  } catch (err) {
    throw asUserError(err, target, 'cannot list');
  }
  if (completed)
    throw new UserError(
      `out: ${target.uri} already holds a completed job (its ${JOB_RECORD_FILE}); choose another prefix (one per run)`,
    );
  if (found.includes(JOB_SPEC_FILE))
    throw new UserError(
      `out: ${target.uri} already holds a job; finish it with \`${resumeCommand(target.uri)}\` or choose another prefix`,
    );
  if (found.length > 0)
    throw new UserError(
      `out: ${target.uri} already holds objects (${found.slice(0, 3).join(', ')}${found.length > 3 ? ', ...' : ''}); choose a new or empty prefix`,
    );
  const existing = await readdir(dir).catch(() => null);
  if (existing?.includes(JOB_SPEC_FILE))
    throw new UserError(
      `staging: '${dir}' holds a job that has not been uploaded to ${target.uri}; finish it with \`${resumeCommand(target.uri)}\`, or remove the folder`,
    );
  await makeFolder(dir, { mode: 0o700 });
  return existing === null;
}

/** Whether the `job.json` of a store says its job completed (one that cannot be read: no). */
async function holdsCompletedJob(store: BlobStore): Promise<boolean> {
  const text = (await store.get(JOB_RECORD_FILE)).toString('utf8');
  let json: unknown;
  try {
    json = parseJsonText(text, JOB_RECORD_FILE);
  } catch {
    return false;
  }
  const parsed = jobRecordSchema.safeParse(json);
  return parsed.success && parsed.data.summary.status === 'completed';
}

/** Uploads `job.spec.json` (when a job starts or resumes); a failure is a {@link UserError}. */
export async function uploadJobSpec(target: UploadTarget, dir: string): Promise<void> {
  try {
    await withStore(target, (store) =>
      uploadFolder(dir, store, { stateFile: stateFile(dir), target: target.uri, only: [JOB_SPEC_FILE] }),
    );
  } catch (err) {
    throw asUserError(err, target, 'cannot write to');
  }
}

const stateFile = (dir: string): string => path.join(dir, UPLOAD_STATE_FILE);

/**
 * Uploads every file of the folder, `last` (default `job.json`) after the others. Never throws
 * for a storage failure: the report says what happened and the state file what was sent, for
 * another call (`--resume`) to complete. With `removeStaging`, the folder is removed once
 * everything is uploaded.
 */
export async function uploadJobOutputs(
  target: UploadTarget,
  dir: string,
  options: { onFile?: UploadProgress; removeStaging?: boolean; last?: readonly string[] } = {},
): Promise<UploadReport> {
  let started = 0;
  let files = 0;
  try {
    const done = await withStore(target, (store) =>
      uploadFolder(dir, store, {
        stateFile: stateFile(dir),
        target: target.uri,
        last: options.last ?? [JOB_RECORD_FILE],
        except: isJobLockFile,
        onFile: (file, index, count) => {
          files = count;
          started += 1;
          options.onFile?.(file, index, count);
        },
      }),
    );
    if (options.removeStaging) await rm(dir, { recursive: true, force: true });
    return {
      status: 'uploaded',
      to: target.uri,
      files: done.files.length,
      sent: done.sent.length,
      bytesSent: done.bytesSent,
      staging: options.removeStaging ? null : dir,
    };
  } catch (err) {
    if (!(err instanceof StorageError) && !(err instanceof UserError)) throw err;
    const sent = Math.max(0, started - 1);
    return { status: 'failed', to: target.uri, files, sent, error: messageOf(err), staging: dir };
  }
}

/** What a restore of a staging folder found. */
export interface RestoredStaging {
  /** The files copied from the target. */
  files: string[];
  /** The job's record files the target did not hold (their splits run again). */
  missing: string[];
}

/**
 * Restores a lost staging folder from the objects of its target: every object, `job.spec.json`
 * last. Throws {@link UserError} when the target holds no job (no `job.spec.json`).
 */
export async function restoreStaging(
  target: UploadTarget,
  dir: string,
  recordFiles: readonly string[],
): Promise<RestoredStaging> {
  const hasSpec = await withStore(target, (store) => store.exists(JOB_SPEC_FILE)).catch((err: unknown) => {
    throw asUserError(err, target, 'cannot read');
  });
  if (!hasSpec)
    throw new UserError(
      `--resume: ${target.uri} holds no job (no ${JOB_SPEC_FILE}), and its staging folder '${dir}' does not exist: nothing to resume`,
    );
  await makeFolder(dir, { mode: 0o700 });
  const copied = await withStore(target, (store) =>
    downloadFolder(store, dir, { stateFile: stateFile(dir), target: target.uri, last: [JOB_SPEC_FILE] }),
  ).catch((err: unknown) => {
    throw asUserError(err, target, 'cannot restore the staging folder from');
  });
  return { files: copied.files, missing: recordFiles.filter((f) => !copied.files.includes(f)) };
}
