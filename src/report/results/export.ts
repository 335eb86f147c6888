/**
 * `obifaas results DIR`: a job's results in input order, as CSV, Parquet or JSON lines. A
 * completed job's `results.jsonl` is already in input order; any other is put in order with
 * the job's inputs (read again from where the job read them).
 */
import { stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { InputResult } from '../../core/prediction.js';
import { resolveJobInputs } from '../../dataset/inputs.js';
import { messageOf, UserError } from '../../errors.js';
import { readJobSpecFile, type JobSpecFile } from '../../manager/job-spec-file.js';
import {
  JOB_RECORD_FILE,
  JOB_SPEC_FILE,
  readJobRecord,
  readOrRecover,
  RESULTS_FILE,
} from '../../manager/output.js';
import { orderByInputs, readResultLines } from '../../manager/results-file.js';
import { parquetTableBytes } from '../../util/parquet.js';
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

/** Every line of `<dir>/results.jsonl`, checked; throws {@link UserError} naming the first bad line. */
export async function readResults(dir: string): Promise<InputResult[]> {
  const file = path.join(dir, RESULTS_FILE);
  const results: InputResult[] = [];
  try {
    for await (const line of readResultLines(file)) {
      if ('problem' in line) throw new UserError(`${file}:${line.line}: ${line.problem}`);
      results.push(line.result);
    }
  } catch (err) {
    if (err instanceof UserError) throw err;
    if ((err as NodeJS.ErrnoException).code === 'ENOENT')
      throw new UserError(`'${dir}' is not a job folder (no ${RESULTS_FILE})`, { cause: err });
    throw new UserError(`${file}: cannot read the results: ${messageOf(err)}`, { cause: err });
  }
  return results;
}

/** What `obifaas results` says to do about a damaged file of the job's folder. */
const RECOVERY = {
  spec:
    `restore ${JOB_SPEC_FILE} from a copy, or move it aside (to ${JOB_SPEC_FILE}.damaged) and export again: ` +
    `the results then keep the order ${RESULTS_FILE} has them in`,
  record:
    `restore ${JOB_RECORD_FILE} from a copy, or move it aside (to ${JOB_RECORD_FILE}.damaged) and export again: ` +
    `the results are then put in the order of the inputs ${JOB_SPEC_FILE} names`,
};

/**
 * The job's saved spec (`job.spec.json`, read through its schema), or undefined without one. A
 * damaged spec file is refused (exit 2), naming the file and the field, whether or not the order
 * needs it: the folder is not what the job wrote.
 */
async function savedSpec(dir: string): Promise<JobSpecFile['spec'] | undefined> {
  if (!(await stat(path.join(dir, JOB_SPEC_FILE)).catch(() => null))) return undefined;
  return (await readOrRecover(() => readJobSpecFile(dir), RECOVERY.spec)).spec;
}

/** The job's input keys in order, as `spec` names them; or why they cannot be listed. */
async function inputKeys(
  spec: JobSpecFile['spec'] | undefined,
): Promise<{ keys: string[] } | { why: string }> {
  if (!spec) return { why: `no ${JOB_SPEC_FILE}` };
  try {
    const inputs = await resolveJobInputs(spec);
    return { keys: inputs.keys };
  } catch (err) {
    return { why: messageOf(err) };
  }
}

/**
 * Whether `job.json` says the results are in input order already (false without one: a job
 * that did not end). A damaged record is refused, naming the file and the field.
 */
async function inInputOrder(dir: string): Promise<boolean> {
  const recorded = await stat(path.join(dir, JOB_RECORD_FILE)).then(
    () => true,
    () => false,
  );
  return (
    recorded && (await readOrRecover(() => readJobRecord(dir), RECOVERY.record)).resultsOrder === 'input'
  );
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
  const notes: string[] = [];
  let results = await readResults(dir);
  let order: ExportedResults['order'] = 'input';
  const spec = await savedSpec(dir);
  if (!(await inInputOrder(dir))) {
    const keys = await inputKeys(spec);
    if ('keys' in keys) results = orderByInputs(keys.keys, results, (r) => r.key);
    else {
      order = 'file';
      notes.push(`results left in completion order: the job's inputs could not be read (${keys.why})`);
    }
  }
  const file = out ?? path.join(dir, format === 'jsonl' ? 'results.input-order.jsonl' : `results.${format}`);
  const bytes =
    format === 'csv'
      ? resultsCsv(results)
      : format === 'parquet'
        ? resultsParquet(results)
        : results.map((r) => `${JSON.stringify(r)}\n`).join('');
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
