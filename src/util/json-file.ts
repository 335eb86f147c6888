/**
 * JSON files read with a schema: a file that cannot be read, text that is not JSON (with the
 * line and column of the mistake) and a value the schema refuses are each a {@link UserError}
 * naming the file, so every JSON file we read reports its problems the same way.
 */
import type * as z from 'zod';
import { messageOf, UserError } from '../errors.js';
import { parseWithSchema } from './schema.js';
import { FileRefusal, readRegularFile } from './regular-file.js';

/** ` at line L, column C` when the parser's message gives the position of the mistake. */
function errorPosition(text: string, message: string): string {
  const at = /position (\d+)/.exec(message);
  if (!at) return '';
  const before = text.slice(0, Number(at[1]));
  return ` at line ${before.split('\n').length}, column ${before.length - before.lastIndexOf('\n')}`;
}

/** Parses JSON text; a syntax error is a {@link UserError} naming the file (and where it goes wrong). */
export function parseJsonText(text: string, source: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    const message = messageOf(err);
    const why = message.split('\n')[0] ?? message;
    throw new UserError(`${source}: not valid JSON${errorPosition(text, message)} (${why})`, { cause: err });
  }
}

/** The largest JSON file read (profiles, models, settings are a few kilobytes). */
export const MAX_JSON_FILE_BYTES = 64 * 1024 * 1024;

/**
 * The text of `file`, a regular file (opened without blocking: a FIFO is refused at once);
 * `flag` (such as `--profile`) starts the message when it cannot be read.
 */
export async function readTextFile(file: string, flag?: string): Promise<string> {
  try {
    return (await readRegularFile(file, { maxBytes: MAX_JSON_FILE_BYTES })).toString('utf8');
  } catch (err) {
    const why =
      err instanceof FileRefusal
        ? err.reason === 'missing'
          ? 'no such file'
          : err.detail.replace(/^is /, 'it is ')
        : messageOf(err);
    throw new UserError(`${flag ? `${flag}: ` : ''}cannot read '${file}': ${why}`, { cause: err });
  }
}

/**
 * Reads a JSON file and parses it with `schema`. `what` starts the message of a refused value
 * (`invalid profile` gives `invalid profile p.json: memoryMb: ...`).
 */
export async function readJsonFile<S extends z.ZodType>(
  file: string,
  schema: S,
  what: string,
  flag?: string,
): Promise<z.output<S>> {
  const json = parseJsonText(await readTextFile(file, flag), file);
  return parseWithSchema(schema, json, `${what} ${file}`);
}
