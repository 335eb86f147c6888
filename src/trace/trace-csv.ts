/**
 * Day traces in the reference's CSV schema: one job per row with a `STARTED` timestamp, a
 * `ds_id` and `n_images_ds` (images in the job, at most {@link MAX_TRACE_JOB_IMAGES}). Other
 * columns are ignored; column names match without regard to case or surrounding spaces. The
 * CSV is read by `csv-parse` (quotes, CRLF, a byte-order mark) and each row checked by one
 * schema. Rows come back sorted by start time (ties keep file order). Malformed rows are
 * reported with their line number: skipped and counted, or, with `strict`, fatal.
 */
import { parse } from 'csv-parse/sync';
import * as z from 'zod';
import { MAX_LISTED_ISSUES, messageOf, UserError } from '../errors.js';
import { FileRefusal, readRegularFile } from '../util/regular-file.js';
import { checkSchema } from '../util/schema.js';
import { closestName } from '../util/suggest.js';
import { parseTimestamp } from './timestamp.js';

/** One job of a trace. */
export interface TraceRow {
  /** Line of the CSV file the row starts on. */
  line: number;
  /** Start time, epoch ms. */
  startedAtMs: number;
  datasetId: string;
  images: number;
}

/** A row that could not be used, and why. */
export interface MalformedRow {
  line: number;
  message: string;
}

export interface ParsedTrace {
  source: string;
  /** Valid rows, sorted by start. */
  rows: TraceRow[];
  /** Rows skipped (empty with `strict`, which throws instead). */
  malformed: MalformedRow[];
}

export interface TraceReadOptions {
  /** Name used in messages (the file path). */
  source?: string;
  /** Fail on the first malformed row found (listing all of them) instead of skipping. */
  strict?: boolean;
}

/** The columns a trace must have. */
export const TRACE_COLUMNS = Object.freeze(['STARTED', 'ds_id', 'n_images_ds'] as const);

/**
 * The most images one job of a trace may have: ten million, about ten times ImageNet. A larger
 * job is a malformed row (a simulated day of such jobs would run for ever, not end with a
 * report).
 */
export const MAX_TRACE_JOB_IMAGES = 10_000_000;

/** A cell's text, trimmed; a missing cell is undefined (the schema says "missing"). */
const cell = z.string({ error: (i) => (i.input === undefined ? 'missing column' : 'expected text') }).trim();

/** One row's three columns, checked and converted. */
export const traceRowSchema = z.strictObject({
  STARTED: cell.transform((text, ctx) => {
    const ms = parseTimestamp(text);
    if (ms !== null) return ms;
    ctx.addIssue({
      code: 'custom',
      message: `expected a timestamp (ISO 8601, or Unix seconds), got '${text}'`,
      input: text,
    });
    return z.NEVER;
  }),
  ds_id: cell.pipe(z.string().min(1, { error: 'expected a dataset id, got nothing' })),
  n_images_ds: cell.transform((text, ctx) => {
    const n = text === '' ? Number.NaN : Number(text);
    if (Number.isInteger(n) && n >= 1 && n <= MAX_TRACE_JOB_IMAGES) return n;
    ctx.addIssue({
      code: 'custom',
      message: `expected a whole number of images from 1 to ${MAX_TRACE_JOB_IMAGES}, got '${text}'`,
      input: text,
    });
    return z.NEVER;
  }),
});

function listRows(rows: readonly MalformedRow[]): string {
  const shown = rows.slice(0, MAX_LISTED_ISSUES).map((r) => `line ${r.line}: ${r.message}`);
  if (rows.length > MAX_LISTED_ISSUES) shown.push(`and ${rows.length - MAX_LISTED_ISSUES} more`);
  return shown.join('; ');
}

/** One CSV record and the line it starts on. */
interface CsvRecord {
  line: number;
  fields: string[];
}

/** Line breaks inside a record's fields (quoted ones). */
const breaksIn = (fields: readonly string[]): number =>
  fields.reduce((n, f) => n + (f.match(/\r\n|\r|\n/g)?.length ?? 0), 0);

/**
 * The line (from 1) of the byte at an offset of `bytes`, for offsets asked in increasing order;
 * `\r\n`, `\r` and `\n` each end a line. (`csv-parse` counts the `\r\n` in a quoted field as two
 * lines, so its own count runs ahead after one.)
 */
function lineCounter(bytes: Uint8Array): (offset: number) => number {
  let at = 0;
  let line = 1;
  return (offset) => {
    for (; at < offset && at < bytes.length; at++) {
      if (bytes[at] === 0x0a || (bytes[at] === 0x0d && bytes[at + 1] !== 0x0a)) line++;
    }
    return line;
  };
}

/** The offset just after the last character of a record that ends (its line end included) at `end`. */
function withoutLineEnd(bytes: Uint8Array, end: number): number {
  if (bytes[end - 1] === 0x0a) return bytes[end - 2] === 0x0d ? end - 2 : end - 1;
  return bytes[end - 1] === 0x0d ? end - 1 : end;
}

/** The records of CSV text (blank ones skipped), and the rows `csv-parse` could not read. */
function readCsv(text: string): { records: CsvRecord[]; broken: MalformedRow[] } {
  const records: CsvRecord[] = [];
  const broken: MalformedRow[] = [];
  // Byte offsets, as csv-parse gives them (a byte-order mark included).
  const bytes = Buffer.from(text, 'utf8');
  const lineAt = lineCounter(bytes);
  // Where the last record ended, to place a quote left open after it.
  let lastEnd = 0;
  parse(text, {
    bom: true,
    // Any line end, even mixed in one file (a list is slower: only when there is a CR).
    record_delimiter: text.includes('\r') ? ['\r\n', '\n', '\r'] : '\n',
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    on_record: (fields: string[], context) => {
      lastEnd = context.bytes;
      const lastLine = lineAt(Math.max(0, withoutLineEnd(bytes, context.bytes) - 1));
      if (fields.some((f) => f.trim() !== '')) records.push({ line: lastLine - breaksIn(fields), fields });
      return null;
    },
    on_skip: (err) => {
      if (!err) return;
      const at = err as unknown as { code?: string; lines: number };
      if (at.code !== 'CSV_QUOTE_NOT_CLOSED') {
        broken.push({ line: at.lines, message: `not valid CSV: ${err.message}` });
        return;
      }
      // The open quote starts the first line after the last record that is not blank.
      let start = lastEnd;
      while (bytes[start] === 0x0a || bytes[start] === 0x0d) start++;
      broken.push({
        line: lineAt(start),
        message: 'quoted field never closed (the rest of the file was ignored)',
      });
    },
  });
  return { records, broken };
}

/**
 * Parses trace CSV text. Throws {@link UserError} for text that is not text (NUL bytes in its
 * first line), an empty trace, missing columns, or (strict) bad rows.
 */
export function parseTraceCsv(text: string, options: TraceReadOptions = {}): ParsedTrace {
  const source = options.source ?? 'trace';
  // A binary file (an image, a model) would otherwise be quoted as a header of garbled fields;
  // a NUL in a later row is that row's problem.
  const lineEnd = text.indexOf('\n');
  const firstLine = lineEnd === -1 ? text : text.slice(0, lineEnd);
  if (firstLine.includes('\u0000'))
    throw new UserError(
      `${source}: not a text file (it holds NUL bytes); a trace is CSV text with the columns ${TRACE_COLUMNS.join(', ')}`,
    );
  const { records, broken } = readCsv(text);
  const header = records[0];
  if (!header)
    throw new UserError(`${source}: empty trace (expected a header line with ${TRACE_COLUMNS.join(', ')})`);
  const names = header.fields.map((f) => f.trim().toLowerCase());
  const index = TRACE_COLUMNS.map((c) => names.indexOf(c.toLowerCase()));
  const absent = TRACE_COLUMNS.filter((_, k) => index[k] === -1);
  if (absent.length > 0) {
    // A found column that is no trace column but close to a missing one is likely its typo.
    const unknown = header.fields.filter((_, k) => !index.includes(k));
    const hints = absent.flatMap((column) => {
      const typo = unknown.find((field) => closestName(field.trim(), [column]) !== undefined);
      return typo === undefined ? [] : [`'${column}' for '${typo.trim()}'`];
    });
    const hint = hints.length > 0 ? `; did you mean ${hints.join(', ')}?` : '';
    throw new UserError(
      `${source}:${header.line}: header lacks column(s) ${absent.join(', ')} (found: ${header.fields.join(', ')})${hint}`,
    );
  }

  const rows: TraceRow[] = [];
  const malformed: MalformedRow[] = [];
  for (const record of records.slice(1)) {
    const row = Object.fromEntries(TRACE_COLUMNS.map((c, k) => [c, record.fields[index[k] as number]]));
    const checked = checkSchema(traceRowSchema, row);
    if (!checked.ok) {
      malformed.push({
        line: record.line,
        message: checked.issues.map((i) => `${i.path}: ${i.message}`).join(', '),
      });
      continue;
    }
    const { STARTED, ds_id, n_images_ds } = checked.data;
    rows.push({ line: record.line, startedAtMs: STARTED, datasetId: ds_id, images: n_images_ds });
  }
  malformed.push(...broken);
  malformed.sort((a, b) => a.line - b.line);

  if (options.strict && malformed.length > 0)
    throw new UserError(`${source}: ${malformed.length} malformed row(s): ${listRows(malformed)}`);
  if (rows.length === 0) {
    if (malformed.length === 0) throw new UserError(`${source}: the trace has no jobs (only a header)`);
    throw new UserError(
      `${source}: no valid jobs; ${malformed.length} malformed row(s): ${listRows(malformed)}`,
    );
  }
  rows.sort((a, b) => a.startedAtMs - b.startedAtMs || a.line - b.line);
  return { source, rows, malformed };
}

/**
 * Reads and parses a trace file. Throws {@link UserError} when it cannot be read, or is not a
 * regular file (a FIFO would wait for a writer forever).
 */
export async function readTraceCsv(
  file: string,
  options: Omit<TraceReadOptions, 'source'> = {},
): Promise<ParsedTrace> {
  let text: string;
  try {
    text = (await readRegularFile(file, { what: 'trace' })).toString('utf8');
  } catch (err) {
    const why = err instanceof FileRefusal ? `it ${err.detail}` : messageOf(err);
    throw new UserError(`${file}: cannot read the trace: ${why}`, { cause: err });
  }
  return parseTraceCsv(text, { ...options, source: file });
}

/** A one-line note about skipped rows, or null when there were none. */
export function malformedSummary(trace: ParsedTrace): string | null {
  if (trace.malformed.length === 0) return null;
  return `${trace.source}: skipped ${trace.malformed.length} malformed row(s): ${listRows(trace.malformed)}`;
}
