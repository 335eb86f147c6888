/**
 * The output folder of a job: `results.jsonl` (one line per input), `splits.jsonl` (one line per
 * finished split), `job.json` (written atomically at the end), `workers.log` (function output).
 * Lines are appended and fsync'd as splits finish, so a crash loses at most the splits in flight.
 */
import { createWriteStream } from 'node:fs';
import { open, readdir, stat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { messageOf, ObiError, StorageError, UserError } from '../errors.js';
import { writeFileAtomic } from '../util/atomic-file.js';
import { readJsonFile } from '../util/json-file.js';
import { jsonLinesText } from '../util/json-lines.js';
import { redactUrlCredentials } from '../util/redact.js';
import { jobRecordSchema } from './job-record-schema.js';
import { isJobLockFile } from './job-lock.js';
import { resumeCommand } from './resume-command.js';
import type { JobRecord } from './types.js';
import { makeFolder } from '../util/make-folder.js';

export const RESULTS_FILE = 'results.jsonl';
export const SPLITS_FILE = 'splits.jsonl';
export const JOB_RECORD_FILE = 'job.json';
export const WORKER_LOG_FILE = 'workers.log';
/** The resolved spec, written when a job starts (see `job-spec-file.ts`). */
export const JOB_SPEC_FILE = 'job.spec.json';

/**
 * Checks that the output folder of a new job is new or empty (a folder with anything in it may
 * hold records a job would append to, or files of someone else's), creating nothing. Throws
 * {@link UserError} naming the folder otherwise; resolves to whether the folder exists.
 */
export async function checkOutputFolder(outDir: string): Promise<boolean> {
  const info = await stat(outDir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return null;
    if (err.code === 'ENOTDIR') throw new UserError(`out: '${outDir}' is inside a file, not a folder`);
    throw new UserError(`out: cannot use '${outDir}': ${err.message}`, { cause: err });
  });
  if (info && !info.isDirectory()) throw new UserError(`out: '${outDir}' is a file, not a folder`);
  if (info) refuseUnlessEmpty(outDir, withoutLock(await readdir(outDir)));
  return info !== null;
}

/** Creates the output folder of a new job, or checks that an existing one is empty ({@link checkOutputFolder}). */
export async function prepareOutputFolder(outDir: string): Promise<void> {
  if (await checkOutputFolder(outDir)) return;
  await makeFolder(outDir).catch((err: unknown) => {
    throw new UserError(`out: ${(err as Error).message}`, { cause: err });
  });
}

/**
 * Checks, with the folder's lock held, that a new job's folder holds nothing but the lock (a
 * job that started in it meanwhile is refused).
 */
export async function checkNewJobFolder(outDir: string): Promise<void> {
  refuseUnlessEmpty(outDir, withoutLock(await readdir(outDir)));
}

/** A folder's entries less its lock and locks being taken (the lock decides about those). */
function withoutLock(entries: readonly string[]): string[] {
  return entries.filter((name) => !isJobLockFile(name));
}

function refuseUnlessEmpty(outDir: string, entries: readonly string[]): void {
  if (entries.length === 0) return;
  const jobFile = [RESULTS_FILE, JOB_RECORD_FILE, JOB_SPEC_FILE].find((f) => entries.includes(f));
  if (jobFile && !entries.includes(JOB_RECORD_FILE)) {
    throw new UserError(
      `out: '${outDir}' already holds a job that did not finish (${jobFile}); finish it with \`${resumeCommand(outDir)}\` or choose another folder`,
    );
  }
  if (jobFile)
    throw new UserError(`out: '${outDir}' already holds a job's ${jobFile}; choose another folder`);
  const shown = [...entries].sort().slice(0, 3).join(', ');
  const more = entries.length > 3 ? `, and ${entries.length - 3} more` : '';
  throw new UserError(
    `out: '${outDir}' is not empty (it holds ${shown}${more}); a new job needs a new or empty folder`,
  );
}

/**
 * An append-only JSON-lines file; each `append` is written and fsync'd before it resolves. A
 * failed write is a {@link StorageError} naming the file; for a job's file, `resumeTarget` (the
 * job's folder or `s3://` output) adds the command that finishes the job.
 */
export class JsonlLog {
  private queue: Promise<void> = Promise.resolve();

  private constructor(
    readonly file: string,
    private readonly handle: FileHandle,
    private readonly resumeTarget: string | undefined,
  ) {}

  static async open(file: string, { resumeTarget }: { resumeTarget?: string } = {}): Promise<JsonlLog> {
    return new JsonlLog(file, await open(file, 'a'), resumeTarget);
  }

  /** Appends lines in call order (concurrent calls never interleave). */
  append(records: readonly unknown[]): Promise<void> {
    if (records.length === 0) return this.queue;
    const text = redactUrlCredentials(jsonLinesText(records));
    const next = this.queue.then(async () => {
      try {
        await this.handle.appendFile(text, 'utf8');
        await this.handle.datasync();
      } catch (err) {
        throw fileWriteError(this.file, err, this.resumeTarget);
      }
    });
    this.queue = next.catch(() => undefined);
    return next;
  }

  async close(): Promise<void> {
    await this.queue;
    await this.handle.close();
  }
}

/**
 * Writes `job.json` whole or not at all. `resumeTarget`: what `--resume` is given to finish the
 * job (its `s3://` output when it has one, else `outDir`), for the message of a failed write.
 */
export async function writeJobRecord(outDir: string, record: unknown, resumeTarget: string): Promise<string> {
  const file = path.join(outDir, JOB_RECORD_FILE);
  const bytes = Buffer.from(redactUrlCredentials(`${JSON.stringify(record, null, 2)}\n`), 'utf8');
  try {
    await writeFileAtomic(file, bytes);
  } catch (err) {
    throw fileWriteError(file, err, resumeTarget);
  }
  return file;
}

/**
 * A write to `file` that failed (a full disk, a folder gone or read-only): a {@link StorageError}
 * naming the file. For a job's file, `resumeTarget` (the job's folder or `s3://` output) adds
 * what to do: what the folder holds stays resumable.
 */
function fileWriteError(file: string, err: unknown, resumeTarget: string | undefined): ObiError {
  if (err instanceof ObiError) return err;
  const advice =
    resumeTarget === undefined
      ? ''
      : `; the job folder keeps what was written before: once it can be written, \`${resumeCommand(resumeTarget)}\` finishes the job`;
  return new StorageError(`cannot write ${file}: ${messageOf(err)}${advice}`, 'Other', file, { cause: err });
}

/**
 * Reads `<dir>/job.json` through its schema (a job folder is untrusted input). Throws a
 * `UserError` (exit 2) naming the file, and for a record the schema refuses, each field and
 * what was wrong with it; `what` starts that message.
 */
export async function readJobRecord(dir: string, what = 'invalid job record'): Promise<JobRecord> {
  return readJsonFile(path.join(dir, JOB_RECORD_FILE), jobRecordSchema, what);
}

/**
 * One of a job folder's files read by `read`; a damaged one (a {@link UserError} naming the file
 * and the field) is refused with what the user can do about it (`recovery`), exit 2.
 */
export async function readOrRecover<T>(read: () => Promise<T>, recovery: string): Promise<T> {
  try {
    return await read();
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    throw new UserError(`${err.message}. To go on: ${recovery}`, { cause: err });
  }
}

/** The function processes' output, kept out of the terminal; credentials in URLs are masked. */
export function openWorkerLog(outDir: string): WorkerLog {
  const stream = createWriteStream(path.join(outDir, WORKER_LOG_FILE), { flags: 'a' });
  return {
    write: (chunk: Uint8Array | string) =>
      stream.write(
        redactUrlCredentials(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8')),
      ),
    end: (done: () => void) => stream.end(done),
  };
}

/** The job's `workers.log`: written like a stream, closed with `end`. */
export interface WorkerLog {
  write(chunk: Uint8Array | string): unknown;
  end(done: () => void): void;
}
