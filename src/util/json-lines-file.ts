/**
 * JSON-lines record files on disk: read one with a schema ({@link parseJsonLines} says how
 * lines are checked and reported), and make its tail ready for appending after a crash.
 */
import { appendFile, readFile, truncate } from 'node:fs/promises';
import type { z } from 'zod';
import { messageOf, UserError } from '../errors.js';
import {
  emptyJsonLines,
  parseJsonLines,
  type JsonLinesContent,
  type JsonLinesOptions,
} from './json-lines.js';

/**
 * The records of `file`, each parsed with `schema`; an absent file has none. Throws
 * {@link UserError} when the file cannot be read and `SpecError` naming every bad line.
 */
export async function readJsonLinesFile<S extends z.ZodType>(
  file: string,
  schema: S,
  options: Omit<JsonLinesOptions<z.output<S>>, 'source'> & { source?: string } = {},
): Promise<JsonLinesContent<z.output<S>>> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return emptyJsonLines();
    throw new UserError(`cannot read '${file}': ${messageOf(err)}`, { cause: err });
  }
  return parseJsonLines(bytes, schema, { ...options, source: options.source ?? file });
}

/**
 * Makes `file` end where its last record ends, ready for the next append: a torn last line is
 * cut off (its record is redone), and a last record without its newline gets one.
 */
export function repairJsonLinesTail(file: string, content: JsonLinesContent<unknown>): Promise<void> {
  return keepJsonLines(file, content, content.records.length);
}

/**
 * Cuts `file` after its first `keep` records (dropping later records and a torn last line), and
 * ends it with a newline, ready for the next append.
 */
export async function keepJsonLines(
  file: string,
  content: JsonLinesContent<unknown>,
  keep: number,
): Promise<void> {
  if (keep < content.records.length || content.partial) {
    await truncate(file, keep === 0 ? 0 : (content.ends[keep - 1] as number));
  }
  if (keep > 0 && keep === content.records.length && content.unterminated) await appendFile(file, '\n');
}
