/**
 * Opening a model file and a labels file on the local disk: regular files only (a FIFO or a
 * device never blocks the function), within their size limits. In a function the paths have
 * been checked against the deployment's access first (`access/grant-work.ts`); the job manager
 * uses the same checks on the user's own files before a job starts.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ModelError } from '../errors.js';
import { MAX_LABEL_BYTES, MAX_LABELS_FILE_BYTES, MAX_MODEL_BYTES } from '../protocol/limits.js';
import {
  FileRefusal,
  openRegularFile,
  readRegularFileWithIdentity,
  type RegularFileRead,
} from '../util/regular-file.js';
import type { ModelDigestCheck } from './model-digest-cache.js';

function localPath(uri: string, what: 'model' | 'labels'): string {
  if (uri.trim() === '') throw new ModelError(`${what} reference is empty`);
  if (/^file:\/\//i.test(uri)) return fileURLToPath(uri);
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(uri)?.[1];
  if (scheme)
    throw new ModelError(
      `${what} ${uri}: '${scheme}://' references are not supported here; give a local path`,
    );
  return path.resolve(uri);
}

function refusal(err: unknown, what: string, file: string): unknown {
  if (!(err instanceof FileRefusal)) return err;
  if (err.reason === 'missing') return new ModelError(`${what} not found: ${file}`, { cause: err });
  return new ModelError(err.message, { cause: err });
}

/**
 * The local path of the model file `uri` names (a path or `file://` URL). Throws
 * {@link ModelError} for a scheme we cannot read, or when the file is missing, not a regular
 * file, empty or over {@link MAX_MODEL_BYTES} (before any runtime is started for it).
 */
export async function resolveModelFile(uri: string): Promise<string> {
  const file = localPath(uri, 'model');
  try {
    const { handle } = await openRegularFile(file, {
      what: 'model file',
      maxBytes: MAX_MODEL_BYTES,
      nonEmpty: true,
    });
    await handle.close();
  } catch (err) {
    throw refusal(err, 'model file', file);
  }
  return file;
}

/**
 * A check of a labels file's bytes as they were read (a function's: against its job's digest),
 * which throws to refuse them and otherwise says how they were checked; `file` is the local
 * path read.
 */
export type LabelsReadCheck = (file: string, read: RegularFileRead) => ModelDigestCheck;

/**
 * Class names, one per line (line i = class i); trailing blank lines are ignored. Throws
 * {@link ModelError} for a file that is missing, not a regular file, over
 * {@link MAX_LABELS_FILE_BYTES}, empty, or with a line over {@link MAX_LABEL_BYTES}, and what
 * `check` throws for the bytes read.
 */
export async function loadLabels(uri: string, check?: LabelsReadCheck): Promise<string[]> {
  const file = localPath(uri, 'labels');
  let read: RegularFileRead;
  try {
    read = await readRegularFileWithIdentity(file, { what: 'labels file', maxBytes: MAX_LABELS_FILE_BYTES });
  } catch (err) {
    throw refusal(err, 'labels file', file);
  }
  check?.(file, read);
  const lines = read.bytes.toString('utf8').replace(/\r\n/g, '\n').split('\n');
  while (lines.length > 0 && lines[lines.length - 1]?.trim() === '') lines.pop();
  if (lines.length === 0) throw new ModelError(`labels file is empty: ${file}`);
  const labels = lines.map((l) => l.trim());
  const long = labels.findIndex((l) => Buffer.byteLength(l, 'utf8') > MAX_LABEL_BYTES);
  if (long >= 0)
    throw new ModelError(
      `labels file ${file}: line ${long + 1} is over ${MAX_LABEL_BYTES} bytes, not a class label`,
    );
  return labels;
}
