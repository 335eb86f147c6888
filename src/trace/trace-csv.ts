/**
 * Day traces in the reference's CSV schema: one job per row with a `STARTED` timestamp, a
 * `ds_id` and `n_images_ds` (images in the job). Other columns are ignored; column names match
 * without regard to case or surrounding spaces. Rows come back sorted by start time (ties keep
 * file order). Malformed rows are reported with their line number: skipped and counted, or,
 * with `strict`, fatal.
 */
import { readFile } from 'node:fs/promises';
import { messageOf, UserError } from '../errors.js';
import { parseCsv } from './csv.js';
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

const MAX_LISTED = 10;

function listRows(rows: readonly MalformedRow[]): string {
  const shown = rows.slice(0, MAX_LISTED).map((r) => `line ${r.line}: ${r.message}`);
  if (rows.length > MAX_LISTED) shown.push(`and ${rows.length - MAX_LISTED} more`);
  return shown.join('; ');
}

function checkImages(raw: string): string | number {
  const text = raw.trim();
  if (text === '') return 'n_images_ds is empty';
  const n = Number(text);
  if (!Number.isFinite(n)) return `n_images_ds: not a number: '${text}'`;
  if (n < 0) return `n_images_ds: negative: ${text}`;
  if (!Number.isInteger(n)) return `n_images_ds: not a whole number: ${text}`;
  if (n === 0) return 'n_images_ds: 0 images (a job needs at least 1)';
  return n;
}

/** Parses trace CSV text. Throws {@link UserError} for an empty trace, missing columns, or (strict) bad rows. */
export function parseTraceCsv(text: string, options: TraceReadOptions = {}): ParsedTrace {
  const source = options.source ?? 'trace';
  const { records, unterminated } = parseCsv(text);
  const header = records[0];
  if (!header)
    throw new UserError(`${source}: empty trace (expected a header line with ${TRACE_COLUMNS.join(', ')})`);
  const names = header.fields.map((f) => f.trim().toLowerCase());
  const index = TRACE_COLUMNS.map((c) => names.indexOf(c.toLowerCase()));
  const absent = TRACE_COLUMNS.filter((_, k) => index[k] === -1);
  if (absent.length > 0)
    throw new UserError(
      `${source}:${header.line}: header lacks column(s) ${absent.join(', ')} (found: ${header.fields.join(', ')})`,
    );
  const [iStarted, iDataset, iImages] = index as [number, number, number];

  const rows: TraceRow[] = [];
  const malformed: MalformedRow[] = [];
  for (const record of records.slice(1)) {
    const f = record.fields;
    const missing = TRACE_COLUMNS.filter((_, k) => (index[k] as number) >= f.length);
    if (missing.length > 0) {
      malformed.push({ line: record.line, message: `missing column(s) ${missing.join(', ')}` });
      continue;
    }
    const started = (f[iStarted] as string).trim();
    const startedAtMs = parseTimestamp(started);
    const images = checkImages(f[iImages] as string);
    const datasetId = (f[iDataset] as string).trim();
    const problems: string[] = [];
    if (startedAtMs === null)
      problems.push(started === '' ? 'STARTED is empty' : `STARTED: not a timestamp: '${started}'`);
    if (datasetId === '') problems.push('ds_id is empty');
    if (typeof images === 'string') problems.push(images);
    if (problems.length > 0 || startedAtMs === null || typeof images === 'string') {
      malformed.push({ line: record.line, message: problems.join(', ') });
      continue;
    }
    rows.push({ line: record.line, startedAtMs, datasetId, images });
  }
  if (unterminated !== null)
    malformed.push({
      line: unterminated,
      message: 'quoted field never closed (the rest of the file was ignored)',
    });

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

/** Reads and parses a trace file. Throws {@link UserError} when it cannot be read. */
export async function readTraceCsv(
  file: string,
  options: Omit<TraceReadOptions, 'source'> = {},
): Promise<ParsedTrace> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new UserError(`${file}: cannot read the trace: ${messageOf(err)}`, { cause: err });
  }
  return parseTraceCsv(text, { ...options, source: file });
}

/** A one-line note about skipped rows, or null when there were none. */
export function malformedSummary(trace: ParsedTrace): string | null {
  if (trace.malformed.length === 0) return null;
  return `${trace.source}: skipped ${trace.malformed.length} malformed row(s): ${listRows(trace.malformed)}`;
}
