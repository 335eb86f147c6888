/**
 * The external data files of a model, checked before ONNX Runtime opens the model (the runtime
 * reads them itself, from the locations the model names). A model is untrusted input: it must
 * never make a function read a file its deployment does not let it read. The rule: a tensor's
 * data may lie only in a regular file in the model's own folder or below it (a relative location
 * without `..`, and no symbolic link leading out of the folder), that the deployment lets the
 * function read, with its `offset` and `length` inside the file, and all of it within
 * {@link MAX_EXTERNAL_DATA_BYTES}. A model fetched from a remote store has no folder of its
 * own (the download is one file), so no external data can follow it.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { messageOf, ModelError } from '../errors.js';
import { type ExternalTensor, readExternalTensors } from '../models/onnx-external-data.js';
import { GraphFormatError, isOrtFormat } from '../models/onnx-operators.js';
import { MAX_EXTERNAL_DATA_BYTES } from '../protocol/limits.js';
import { identityOf, type FileIdentity } from '../util/file-identity.js';
import { isInsideFolder } from '../util/paths.js';
import { FileRefusal, openRegularFile } from '../util/regular-file.js';

/** How a model's external data may be read. */
export interface ExternalDataRules {
  /** The remote location the model file was downloaded from (no external data can follow it). */
  fetchedFrom?: string;
  /**
   * Why the deployment does not let the function read `file` (a real path), or null when it
   * may. Absent: every file in the model's folder may be read (the user's own machine).
   */
  refusal?: (file: string) => Promise<string | null>;
  /**
   * The refusal of a model whose graph cannot be read (its external files are then unknown);
   * default: `cannot load model <file>: not a valid ONNX model (<why>)`, as the runtime's.
   */
  unreadable?: (file: string, why: string) => string;
}

/** How the job manager words a model it cannot read (as its other model checks do). */
export const UNREADABLE_AT_THE_JOB = (file: string, why: string): string =>
  `model ${file}: not an ONNX model (${why})`;

/** One external file as checked: its real path and the bytes the model reads from it. */
export interface ExternalDataFile {
  file: string;
  bytes: number;
}

/**
 * What a passed check read: the files, and each external data path as the runtime opens it (the
 * model's folder joined with a location the model names) with the identity of the file checked
 * there.
 */
export interface CheckedExternalData {
  files: ExternalDataFile[];
  named: Array<{ path: string; identity: FileIdentity }>;
}

const isWholeNumber = (s: string): boolean => /^\d{1,16}$/.test(s);

/** A location's problem that needs no file system: absolute, `..`, empty, or odd numbers. */
function locationProblem(location: string): string | null {
  if (location === '') return 'is empty';
  if (location.includes('\0')) return 'contains a NUL character';
  if (path.isAbsolute(location) || /^[a-zA-Z]:|^\\/.test(location))
    return "is an absolute path; external data must be a file in the model's folder";
  if (location.split(/[\\/]/).includes('..')) return "leads out of the model's folder ('..')";
  return null;
}

/** Describes a tensor and its location in an error: `tensor 'w' (initializer in the graph) location 'w.bin'`. */
function named(t: ExternalTensor, location: string | undefined): string {
  const where = `tensor '${t.tensor}' (${t.where})`;
  return location === undefined ? where : `${where}: external data location ${JSON.stringify(location)}`;
}

/**
 * Checks every external tensor of the model `file` (a real path) against the rules and returns
 * the files they read. Throws {@link ModelError} naming the model, and each tensor and location
 * refused, before any runtime opens the model.
 */
export async function checkExternalData(
  file: string,
  rules: ExternalDataRules = {},
): Promise<ExternalDataFile[]> {
  return (await checkExternalDataFiles(file, rules)).files;
}

/** {@link checkExternalData}, with what it checked at each path the model names. */
export async function checkExternalDataFiles(
  file: string,
  rules: ExternalDataRules = {},
): Promise<CheckedExternalData> {
  const head = Buffer.alloc(8);
  try {
    const { handle } = await openRegularFile(file, { what: 'model file' });
    try {
      await handle.read(head, 0, 8, 0);
    } finally {
      await handle.close();
    }
  } catch (err) {
    if (err instanceof FileRefusal) return { files: [], named: [] }; // opening the model says what is wrong
    throw err;
  }
  // ONNX Runtime's own format is not read here; it names no external files (the runtime's
  // external initializers in that format come from the session's options, never the file).
  if (isOrtFormat(head)) return { files: [], named: [] };
  let tensors: ExternalTensor[];
  try {
    tensors = readExternalTensors(file);
  } catch (err) {
    // What this reader cannot follow, the runtime must not be given: its external files are unknown.
    // The reader says `not a readable ONNX model (why)`: the message below says the first part.
    const why =
      err instanceof GraphFormatError
        ? err.message.replace(/^not a readable ONNX model \((.*)\)$/s, '$1')
        : messageOf(err);
    const message =
      rules.unreadable?.(file, why) ?? `cannot load model ${file}: not a valid ONNX model (${why})`;
    throw new ModelError(message, { cause: err });
  }
  if (tensors.length === 0) return { files: [], named: [] };
  if (rules.fetchedFrom !== undefined) {
    const first = tensors[0] as ExternalTensor;
    throw new ModelError(
      `model ${rules.fetchedFrom}: ${named(first, first.locations[0])}${tensors.length > 1 ? ` (and ${tensors.length - 1} more)` : ''}: external data cannot follow a model fetched from a remote store (only the model file is downloaded); embed the weights in the model file`,
    );
  }
  const folder = await fs.realpath(path.dirname(file));
  const problems: string[] = [];
  const files = new Map<string, number>();
  const checkedAt = new Map<string, FileIdentity>();
  let total = 0;
  for (const t of tensors) {
    if (t.locations.length === 0) {
      problems.push(`${named(t, undefined)}: its data is external but it names no location`);
      continue;
    }
    for (const field of ['offset', 'length'] as const) {
      const value = t[field];
      if (value !== null && !isWholeNumber(value))
        problems.push(
          `${named(t, t.locations[0])}: ${field} ${JSON.stringify(value)} is not a whole number of bytes`,
        );
    }
    for (const location of t.locations) {
      const refused = await checkLocation(folder, location, rules);
      if (typeof refused === 'string') {
        problems.push(`${named(t, location)} ${refused}`);
        continue;
      }
      const offset = t.offset !== null && isWholeNumber(t.offset) ? Number(t.offset) : 0;
      if (offset > refused.size) {
        problems.push(
          `${named(t, location)}: offset ${offset} runs past the end of the file (${refused.size} bytes)`,
        );
        continue;
      }
      const length = t.length !== null && isWholeNumber(t.length) ? Number(t.length) : refused.size - offset;
      if (offset + length > refused.size) {
        problems.push(
          `${named(t, location)}: offset ${offset} and length ${length} run past the end of the file (${refused.size} bytes)`,
        );
        continue;
      }
      total += length;
      files.set(refused.file, (files.get(refused.file) ?? 0) + length);
      checkedAt.set(path.join(path.dirname(file), location), refused.identity);
    }
  }
  if (total > MAX_EXTERNAL_DATA_BYTES)
    problems.push(`its external data is ${total} bytes, over the limit of ${MAX_EXTERNAL_DATA_BYTES} bytes`);
  if (problems.length > 0) throw new ModelError(`model ${file}: ${problems.join('; ')}`);
  return {
    files: [...files].map(([f, bytes]) => ({ file: f, bytes })),
    named: [...checkedAt].map(([at, identity]) => ({ path: at, identity })),
  };
}

/** The real path and size of one external file, or why it is refused. */
async function checkLocation(
  folder: string,
  location: string,
  rules: ExternalDataRules,
): Promise<{ file: string; size: number; identity: FileIdentity } | string> {
  const lexical = locationProblem(location);
  if (lexical) return lexical;
  const joined = path.join(folder, location);
  let real: string;
  try {
    real = await fs.realpath(joined);
  } catch {
    return "does not exist in the model's folder";
  }
  if (!isInsideFolder(real, folder)) return "is a symbolic link leading out of the model's folder";
  const refusal = await rules.refusal?.(real);
  if (refusal) return refusal;
  try {
    const { handle, size } = await openRegularFile(real, {
      what: 'external data file',
      maxBytes: MAX_EXTERNAL_DATA_BYTES,
    });
    try {
      return { file: real, size, identity: identityOf(await handle.stat()) };
    } finally {
      await handle.close();
    }
  } catch (err) {
    if (err instanceof FileRefusal) return err.detail;
    throw err;
  }
}
