/**
 * `obifaas results DIR`: a job's results in input order, as CSV, Parquet or JSON lines, read by
 * the one reader of `results.jsonl` (`read-results.ts`, which says how the order is made).
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { InputResult } from '../../core/prediction.js';
import { messageOf, UserError } from '../../errors.js';
import { jsonLinesText } from '../../util/json-lines.js';
import { parquetTableBytes } from '../../util/parquet.js';
import { openJobResults } from './read-results.js';
import { resultColumns, resultRow, resultsCsv } from './table.js';

/** The formats of `obifaas results`. */
export const RESULT_FORMATS = ['csv', 'parquet', 'jsonl'] as const;
export type ResultFormat = (typeof RESULT_FORMATS)[number];

/** What was exported. */
export interface ExportedResults {
  file: string;
  format: ResultFormat;
  rows: number;
  /** `input`: in the order of the job's inputs; `file`: as `results.jsonl` has them (the inputs could not be read). */
  order: 'input' | 'file';
  notes: string[];
  /** With `out` `-`: the text for the caller to print (nothing was written). */
  text?: string;
}

/** The Parquet file of `results` (strings, int32 classes and embedding rows, double scores). */
export function resultsParquet(results: readonly InputResult[]): Uint8Array {
  const columns = resultColumns(results);
  const rows = results.map((r) => resultRow(r, columns));
  return parquetTableBytes(
    columns.names.map((name, i) => ({
      name,
      data: rows.map((row) => row[i] ?? null),
      type:
        name === 'key' || name === 'error' || name.endsWith('_label')
          ? ('STRING' as const)
          : name.endsWith('_class') || name.startsWith('embedding_')
            ? ('INT32' as const)
            : ('DOUBLE' as const),
      nullable: name !== 'key',
    })),
  );
}

/** Writes the results of the job in `dir` as `format` to `out` (`-`: returned as `text`, not for Parquet). */
export async function exportResults(
  dir: string,
  format: ResultFormat,
  out?: string,
): Promise<ExportedResults> {
  const { order, why, lines } = await openJobResults(dir, 'input-or-file');
  const results: InputResult[] = [];
  for await (const line of lines) results.push(line);
  const notes =
    why === undefined
      ? []
      : [`results left in completion order: the job's inputs could not be read (${why})`];
  const file = out ?? path.join(dir, format === 'jsonl' ? 'results.input-order.jsonl' : `results.${format}`);
  const bytes =
    format === 'csv'
      ? resultsCsv(results)
      : format === 'parquet'
        ? resultsParquet(results)
        : jsonLinesText(results);
  if (file === '-') {
    if (typeof bytes !== 'string') throw new UserError('--out -: Parquet is binary; give a file');
    return { file, format, rows: results.length, order, notes, text: bytes };
  }
  try {
    await writeFile(file, bytes);
  } catch (err) {
    throw new UserError(`--out: cannot write '${file}': ${messageOf(err)}`, { cause: err });
  }
  return { file, format, rows: results.length, order, notes };
}
