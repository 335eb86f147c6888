/**
 * JSON-lines record files, read with a schema (pure): one JSON value per line, blank lines
 * skipped. Every bad line is reported at once, as `FILE:LINE: field: problem`, in one
 * {@link SpecError} whose message counts the bad lines and lists the first few.
 *
 * Our record files are appended a whole line at a time and fsync'd, so only a crash in the
 * middle of an append can leave a torn last line: one without its newline. Such a line that is
 * not JSON is reported as `partial` (its byte offset, for cutting it off), not as an error; one
 * that is JSON was written whole but for its newline, and is read like any other line
 * (`unterminated` says so). `json-lines-file.ts` reads files and repairs such a tail.
 */
import type * as z from 'zod';
import { MAX_LISTED_ISSUES, SpecError, type Issue } from '../errors.js';
import { checkSchema } from './schema.js';

/** `records` as a JSON-lines text: each one `JSON.stringify`'d on a line of its own. */
export function jsonLinesText(records: readonly unknown[]): string {
  return records.map((r) => `${JSON.stringify(r)}\n`).join('');
}

/** What a JSON-lines text holds. */
export interface JsonLinesContent<T> {
  records: T[];
  /** The 1-based line number of each record. */
  lines: number[];
  /** The byte offset just after each record's line (its newline included). */
  ends: number[];
  /** A torn last line (no newline, not JSON): where it starts and its length in bytes. */
  partial: { offset: number; bytes: number } | null;
  /** True when the last record is not followed by a newline. */
  unterminated: boolean;
}

/** How to read a JSON-lines text. */
export interface JsonLinesOptions<T> {
  /** The file, for messages. */
  source: string;
  /** What the records are, for the message: `bad trial records` by default `bad records`. */
  what?: string;
  /**
   * Checks a record the schema accepted against those accepted before it (e.g. a sequence
   * number); returns issues with field paths, as the schema does.
   */
  check?: (record: T, acceptedBefore: number) => Issue[];
}

/** An empty content (no file yet). */
export function emptyJsonLines<T>(): JsonLinesContent<T> {
  return { records: [], lines: [], ends: [], partial: null, unterminated: false };
}

function located(where: string, issues: readonly Issue[]): Issue[] {
  return issues.map((i) => ({
    path: i.path === '(top level)' ? where : `${where}: ${i.path}`,
    message: i.message,
  }));
}

/**
 * The records of a JSON-lines text, each parsed with `schema` (see the module comment for a
 * torn last line). Throws {@link SpecError} naming every bad line.
 */
export function parseJsonLines<S extends z.ZodType>(
  input: string | Uint8Array,
  schema: S,
  options: JsonLinesOptions<z.output<S>>,
): JsonLinesContent<z.output<S>> {
  const bytes =
    typeof input === 'string'
      ? Buffer.from(input, 'utf8')
      : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  const content = emptyJsonLines<z.output<S>>();
  const issues: Issue[] = [];
  let badLines = 0;
  let start = 0;
  for (let line = 1; start < bytes.length; line++) {
    const newline = bytes.indexOf(0x0a, start);
    const end = newline === -1 ? bytes.length : newline + 1;
    const text = bytes.toString('utf8', start, newline === -1 ? bytes.length : newline);
    const offset = start;
    start = end;
    if (text.trim() === '') continue;
    const where = `${options.source}:${line}`;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      if (newline === -1) {
        content.partial = { offset, bytes: bytes.length - offset };
        break;
      }
      badLines++;
      issues.push({ path: where, message: 'not valid JSON' });
      continue;
    }
    const checked = checkSchema(schema, value);
    const found = checked.ok ? (options.check?.(checked.data, content.records.length) ?? []) : checked.issues;
    if (!checked.ok || found.length > 0) {
      badLines++;
      issues.push(...located(where, found));
      continue;
    }
    content.records.push(checked.data);
    content.lines.push(line);
    content.ends.push(end);
    content.unterminated = newline === -1;
  }
  if (issues.length > 0) {
    const what = options.what ?? 'bad records';
    const heading = `${what} in ${options.source} (${badLines} bad line${badLines === 1 ? '' : 's'})`;
    throw new SpecError(issues, heading, MAX_LISTED_ISSUES);
  }
  return content;
}
