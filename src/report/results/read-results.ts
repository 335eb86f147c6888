/**
 * A job's result lines read back from its folder, the one reader of `results.jsonl` for
 * programs (`readJobResults`), `obifaas results` and the vectors reader: each line through the
 * schema the functions and `--resume` use, a damaged line refused as `FILE:LINE: problem`. A
 * completed job's file is already in input order and is streamed; any other is put in order
 * with the job's inputs (read again from where the job read them, as `job.spec.json` names
 * them), which holds its lines in memory.
 */
import { stat } from 'node:fs/promises';
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
import { pathExists } from '../../util/paths.js';

/** How {@link readJobResults} reads a job's results. */
export interface ReadJobResultsOptions {
  /**
   * `input` (the default): line i is the result of the job's input i, for a job that ended
   * (every input has its line); a job still running, or killed before it ended, has no line for
   * the inputs it had not reached, and those are left out. `file`: as `results.jsonl` has them,
   * streamed without reading the job's inputs (completion order for a job that did not complete:
   * cancelled, failed or still running).
   */
  order?: 'input' | 'file';
}

/** The lines of a job's results and the order they come in. */
export interface OpenedResults {
  /** `file`: as `results.jsonl` has them, because it was asked for or (see `why`) had to be. */
  order: 'input' | 'file';
  /** Why input order was asked for and could not be given. */
  why?: string;
  lines: AsyncIterable<InputResult>;
}

/** What the reader says to do about a damaged file of the job's folder. */
const RECOVERY = {
  spec:
    `restore ${JOB_SPEC_FILE} from a copy, or move it aside (to ${JOB_SPEC_FILE}.damaged) and read again: ` +
    `the results then keep the order ${RESULTS_FILE} has them in`,
  record:
    `restore ${JOB_RECORD_FILE} from a copy, or move it aside (to ${JOB_RECORD_FILE}.damaged) and read again: ` +
    `the results are then put in the order of the inputs ${JOB_SPEC_FILE} names`,
};

/**
 * The job's saved spec (`job.spec.json`, read through its schema), or undefined without one. A
 * damaged spec file is refused (exit 2), naming the file and the field, whether or not the order
 * needs it: the folder is not what the job wrote.
 */
async function savedSpec(dir: string): Promise<JobSpecFile['spec'] | undefined> {
  if (!(await pathExists(path.join(dir, JOB_SPEC_FILE)))) return undefined;
  return (await readOrRecover(() => readJobSpecFile(dir), RECOVERY.spec)).spec;
}

/** The job's input keys in order, as `spec` names them; or why they cannot be listed. */
async function inputKeys(
  spec: JobSpecFile['spec'] | undefined,
): Promise<{ keys: string[] } | { why: string }> {
  if (!spec) return { why: `no ${JOB_SPEC_FILE}` };
  try {
    return { keys: (await resolveJobInputs(spec)).keys };
  } catch (err) {
    return { why: messageOf(err) };
  }
}

/**
 * Whether `job.json` says the results are in input order already (false without one: a job
 * that did not end). A damaged record is refused, naming the file and the field.
 */
async function inInputOrder(dir: string): Promise<boolean> {
  if (!(await pathExists(path.join(dir, JOB_RECORD_FILE)))) return false;
  return (await readOrRecover(() => readJobRecord(dir), RECOVERY.record)).resultsOrder === 'input';
}

/** The lines of `file` as the file has them; throws {@link UserError} naming the first bad line. */
async function* fileResults(file: string): AsyncGenerator<InputResult> {
  try {
    for await (const line of readResultLines(file)) {
      if ('problem' in line) throw new UserError(`${file}:${line.line}: ${line.problem}`);
      yield line.result;
    }
  } catch (err) {
    if (err instanceof UserError) throw err;
    throw new UserError(`${file}: cannot read the results: ${messageOf(err)}`, { cause: err });
  }
}

/**
 * The result lines of the job in `dir`, in input order when `order` asks for it and it can be
 * given; `input-or-file` falls back to the file's order (saying why) where `input` refuses.
 * Throws {@link UserError} for a folder without `results.jsonl`, and (exit 2, with what to do) a
 * damaged `job.json` or `job.spec.json` when input order is asked for.
 */
export async function openJobResults(
  dir: string,
  order: 'input' | 'file' | 'input-or-file',
): Promise<OpenedResults> {
  const file = path.join(dir, RESULTS_FILE);
  try {
    await stat(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT')
      throw new UserError(`'${dir}' is not a job folder (no ${RESULTS_FILE})`, { cause: err });
    throw new UserError(`${file}: cannot read the results: ${messageOf(err)}`, { cause: err });
  }
  if (order === 'file') return { order: 'file', lines: fileResults(file) };
  const spec = await savedSpec(dir);
  if (await inInputOrder(dir)) return { order: 'input', lines: fileResults(file) };
  const keys = await inputKeys(spec);
  if ('why' in keys) {
    if (order === 'input-or-file') return { order: 'file', why: keys.why, lines: fileResults(file) };
    throw new UserError(
      `${file}: the results are in completion order, and the job's inputs cannot be read to put them in input order (${keys.why}); read them with order 'file'`,
    );
  }
  const lines: InputResult[] = [];
  for await (const line of fileResults(file)) lines.push(line);
  return { order: 'input', lines: each(orderByInputs(keys.keys, lines, (r) => r.key)) };
}

async function* each<T>(items: readonly T[]): AsyncGenerator<T> {
  yield* items;
}

/**
 * The result lines of the job in `dir` (its `results.jsonl`), one per input, each checked
 * through the results schema: `top` for a classify job, `embedding` (the vector's row in
 * `embeddings.parquet`, see {@link readEmbeddings}) for an embed job, or `error`. In input
 * order by default: a completed job's file is streamed as it is; a cancelled or failed one's is
 * put in order with the job's inputs (read again from where the job read them). Throws
 * `UserError` naming the file and line of a damaged line, for a folder without results, and
 * when input order cannot be given (then `order: 'file'` reads the lines as the file has them).
 */
export async function* readJobResults(
  dir: string,
  options: ReadJobResultsOptions = {},
): AsyncGenerator<InputResult> {
  yield* (await openJobResults(dir, options.order ?? 'input')).lines;
}
