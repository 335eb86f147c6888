/**
 * JSON-lines record files on disk: read one with a schema ({@link parseJsonLines} says how
 * lines are checked and reported), stream a large one line by line, and make its tail ready for
 * appending after a crash.
 */
import { createReadStream } from 'node:fs';
import { appendFile, readFile, truncate } from 'node:fs/promises';
import type * as z from 'zod';
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

/**
 * One line of a streamed JSON-lines file: its number (from 1, blank lines counted), its text as
 * it is in the file (without its line end), and its parsed value or why it has none.
 */
export type StreamedJsonLine =
  { line: number; text: string; value: unknown } | { line: number; text: string; problem: string };

/**
 * The lines of `file`, split at each `\n` as {@link parseJsonLines} splits them (a lone `\r` is
 * no line end), without their line end (`\n` or `\r\n`).
 */
async function* fileLines(file: string): AsyncGenerator<string> {
  let pending: Buffer[] = [];
  const text = (parts: Buffer[]): string => {
    const bytes = parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
    const end = bytes.length > 0 && bytes[bytes.length - 1] === 0x0d ? bytes.length - 1 : bytes.length;
    return bytes.toString('utf8', 0, end);
  };
  for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
    let start = 0;
    for (let newline = chunk.indexOf(0x0a); newline !== -1; newline = chunk.indexOf(0x0a, start)) {
      yield text([...pending, chunk.subarray(start, newline)]);
      pending = [];
      start = newline + 1;
    }
    if (start < chunk.length) pending.push(chunk.subarray(start));
  }
  if (pending.length > 0) yield text(pending);
}

/**
 * The lines of `file` that are not blank, read as a stream (for files too large to hold in
 * memory at once, such as a job's results), each parsed as JSON. A line that is not JSON comes
 * with its problem, for the caller to report or skip. Lines are numbered as
 * {@link parseJsonLines} numbers them.
 */
export async function* streamJsonLines(file: string): AsyncGenerator<StreamedJsonLine> {
  let line = 0;
  for await (const text of fileLines(file)) {
    line++;
    if (text.trim() === '') continue;
    let parsed: StreamedJsonLine;
    try {
      parsed = { line, text, value: JSON.parse(text) as unknown };
    } catch {
      parsed = { line, text, problem: 'not valid JSON' };
    }
    yield parsed;
  }
}
