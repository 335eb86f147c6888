/**
 * `obifaas run --resume DIR --retry-errors`: the inputs of a complete job whose line is a passing
 * error (`errorKind: 'passing'`: storage throttled, a server fault) run again. The splits that
 * hold them are taken out of the job's records, which makes the folder a job stopped halfway,
 * and the resume runs them with their other lines held (`core/input-retry.ts`): only the inputs
 * with a passing error run, and each split is written once, with one line per input.
 *
 * The splits taken out, with their lines, go to `retry-errors.jsonl`: every resume reads it, so
 * a run stopped or killed after the swap (then `--resume`) still runs only the inputs that had
 * failed, and keeps the others' lines. An embed job's vectors go with its lines
 * (`reopen-vectors.ts`): those of the lines kept to a new staging file, those of the held lines
 * into `retry-errors.jsonl`; its `embeddings.parquet` is written again when the run ends.
 *
 * The records change together or not at all: the new `results.jsonl`, `splits.jsonl`,
 * `retry-errors.jsonl` (and staged vectors) are written beside the old ones, then a marker says
 * they are whole, then they replace the old ones (the old `embeddings.parquet` is removed) and
 * the marker goes. A crash before the marker leaves the old records (the new ones are removed by
 * {@link recoverReopenedRecords}); after it, the swap is finished there.
 */
import { lstat, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { ReopenedSplit } from '../core/input-retry.js';
import type { InputResult } from '../core/prediction.js';
import type { SplitRange } from '../core/splitting.js';
import { MAX_LISTED_ISSUES, SpecError, UserError, type Issue } from '../errors.js';
import { writeFileAtomic } from '../util/atomic-file.js';
import { jsonLinesText } from '../util/json-lines.js';
import { readJsonLinesFile } from '../util/json-lines-file.js';
import { inputResultSchema } from '../protocol/result-schema.js';
import { kindOf } from '../util/regular-file.js';
import { EMBEDDINGS_FILE, EMBEDDINGS_STAGING_FILE, stagedVectorSchema } from './embeddings-file.js';
import { RESULTS_FILE, SPLITS_FILE } from './output.js';
import { reopenedSplitSchema, splitLogLineSchema } from './record-schemas.js';
import { RESUME_BAD_RECORDS, type NumberedRecords } from './resume-check.js';
import type { SplitLogLine } from './result-sink.js';
import { reopenVectors } from './reopen-vectors.js';

/** Says that the new records beside the old ones are whole and replace them. */
export const REOPEN_MARKER_FILE = 'retry-errors.swap';
/** The suffix of the new records before they replace the old ones. */
export const REOPEN_NEW_SUFFIX = '.retry-errors';
/** The splits taken out of the records, one line each, until the job completes again. */
export const REOPENED_SPLITS_FILE = 'retry-errors.jsonl';
/** The records a swap replaces, each with the schema of its lines. */
const SWAPPED = [
  { file: RESULTS_FILE, schema: inputResultSchema },
  { file: SPLITS_FILE, schema: splitLogLineSchema },
  { file: REOPENED_SPLITS_FILE, schema: reopenedSplitSchema },
  { file: EMBEDDINGS_STAGING_FILE, schema: stagedVectorSchema },
] as const;

/** The records of a complete job with its passing errors taken out. */
export interface ReopenPlan {
  reopened: ReopenedSplit[];
  splits: SplitLogLine[];
  /** The kept lines, split by split in the order of `splits`. */
  lines: InputResult[];
}

/**
 * Which splits of a complete job (its `results.jsonl` in input order) hold inputs whose line is
 * a passing error, and the records without them; null when there are none.
 */
export function planReopen(
  plan: readonly SplitRange[],
  splits: readonly SplitLogLine[],
  lines: readonly InputResult[],
): ReopenPlan | null {
  const ranges = new Map(plan.map((r) => [r.splitId, r]));
  const reopened: ReopenedSplit[] = [];
  for (const range of plan) {
    const held = lines.slice(range.first, range.first + range.inputs);
    const open = held.flatMap((l, i) => (l.error !== null && l.errorKind === 'passing' ? [i] : []));
    if (open.length > 0) reopened.push({ splitId: range.splitId, held, open });
  }
  if (reopened.length === 0) return null;
  const ids = new Set(reopened.map((s) => s.splitId));
  const kept = splits.filter((s) => !ids.has(s.splitId));
  const keptLines = kept.flatMap((s) => {
    const range = ranges.get(s.splitId) as SplitRange;
    return lines.slice(range.first, range.first + range.inputs);
  });
  return { reopened, splits: kept, lines: keptLines };
}

/**
 * The lines of a complete job's `results.jsonl` (in input order) whose key is not their input's:
 * one issue, at the first (a forged or shifted line; the rest cannot be told apart).
 */
export function foreignKeyIssues(results: NumberedRecords<InputResult>, keys: readonly string[]): Issue[] {
  const i = results.records.findIndex((line, j) => line.key !== keys[j]);
  if (i < 0) return [];
  const expected = keys[i] === undefined ? 'no line (the job has fewer inputs)' : JSON.stringify(keys[i]);
  return [
    {
      path: `${results.file}:${results.lines[i] ?? '?'}: key`,
      message: `expected ${expected} (input ${i + 1}), got ${JSON.stringify(results.records[i]!.key)}`,
    },
  ];
}

const jsonLines = (values: readonly unknown[]): Buffer => Buffer.from(jsonLinesText(values), 'utf8');

/**
 * Replaces the job's records in `dir` with `plan`'s, all or nothing (see the module comment);
 * `embed`: an embed job, whose vectors are read from its `embeddings.parquet` and staged again.
 */
export async function writeReopenedRecords(
  dir: string,
  plan: ReopenPlan,
  { embed }: { embed: boolean },
): Promise<void> {
  const fresh = (file: string): string => path.join(dir, file + REOPEN_NEW_SUFFIX);
  try {
    const records = embed ? await reopenVectors(dir, plan, fresh(EMBEDDINGS_STAGING_FILE)) : plan;
    await writeFileAtomic(fresh(RESULTS_FILE), jsonLines(records.lines));
    await writeFileAtomic(fresh(SPLITS_FILE), jsonLines(records.splits));
    await writeFileAtomic(fresh(REOPENED_SPLITS_FILE), jsonLines(records.reopened));
  } catch (err) {
    await recoverReopenedRecords(dir); // no marker yet: the new records go, the old ones stay
    throw err;
  }
  await writeFileAtomic(path.join(dir, REOPEN_MARKER_FILE), Buffer.from('swap\n'));
  await recoverReopenedRecords(dir, { check: false }); // whole: written just above
}

/**
 * Finishes a swap of records the marker says is due (the new records replace the old ones, and
 * an embed job's old `embeddings.parquet` goes), or removes new records without a marker
 * (written by a run that stopped before they were whole). Runs before anything else reads the
 * folder. Throws `UserError`, changing nothing, when the marker or a new record is not a regular
 * file (a folder, a symbolic link that could lead out of the job folder): no run writes one.
 * With `check` (unless the caller has just written them), records the marker says are whole are
 * read first and refused, changing nothing, when they are not (a forged marker).
 */
export async function recoverReopenedRecords(dir: string, { check = true } = {}): Promise<void> {
  const marker = path.join(dir, REOPEN_MARKER_FILE);
  const fresh = SWAPPED.map(({ file, schema }) => ({
    from: path.join(dir, file + REOPEN_NEW_SUFFIX),
    to: path.join(dir, file),
    schema,
  }));
  const due = await isRegularFile(marker);
  const present = await Promise.all(fresh.map((f) => isRegularFile(f.from)));
  if (due && check)
    for (const [i, { from, schema }] of fresh.entries()) if (present[i]) await refuseUnwhole(from, schema);
  for (const [i, { from, to }] of fresh.entries()) {
    if (!present[i]) continue;
    if (due) await rename(from, to);
    else await rm(from, { force: true });
  }
  if (!due) return;
  // Its rows are not the new records' (the vectors are staged again); the run writes it anew.
  await rm(path.join(dir, EMBEDDINGS_FILE), { force: true });
  await rm(marker, { force: true });
}

/**
 * The splits of `retry-errors.jsonl` in `dir` that are still to run (not in `done`), each
 * checked against the job's plan and its inputs `keys`; none without the file. Throws
 * `SpecError` naming the file, the line and the field for a line that does not match.
 */
export async function readReopenedSplits(
  dir: string,
  plan: readonly SplitRange[],
  keys: readonly string[],
  done: ReadonlySet<string>,
): Promise<ReopenedSplit[]> {
  const file = path.join(dir, REOPENED_SPLITS_FILE);
  const read = await readJsonLinesFile(file, reopenedSplitSchema, RESUME_BAD_RECORDS);
  const ranges = new Map(plan.map((r) => [r.splitId, r]));
  const issues: Issue[] = [];
  const pending: ReopenedSplit[] = [];
  for (const [i, split] of read.records.entries()) {
    const where = `${file}:${read.lines[i] ?? i + 1}`;
    const range = ranges.get(split.splitId);
    if (!range) {
      issues.push({ path: `${where}: splitId`, message: `no split '${split.splitId}' in the job's plan` });
      continue;
    }
    const wrong = split.held.findIndex((line, j) => line.key !== keys[range.first + j]);
    if (split.held.length !== range.inputs || wrong >= 0) {
      issues.push({
        path: `${where}: held`,
        message: `not the lines of split '${split.splitId}' (its ${range.inputs} inputs from ${range.first}, in order)`,
      });
      continue;
    }
    if (!done.has(split.splitId)) pending.push(split);
  }
  if (issues.length > 0)
    throw new SpecError(
      issues,
      `--resume: the splits to retry do not match the job's plan`,
      MAX_LISTED_ISSUES,
    );
  return pending;
}

/** Removes `retry-errors.jsonl` from the folder of a job that completed (its splits are all written). */
export async function removeReopenedSplits(dir: string): Promise<void> {
  await rm(path.join(dir, REOPENED_SPLITS_FILE), { force: true });
}

/**
 * Throws, changing nothing, unless the new records at `file` are whole records of `schema`, as
 * the marker says (a run writes them whole before the marker; a forged marker must not put
 * garbage in place of the job's records): `SpecError` naming bad lines, `UserError` for a torn
 * last line.
 */
async function refuseUnwhole(file: string, schema: (typeof SWAPPED)[number]['schema']): Promise<void> {
  const content = await readJsonLinesFile(file, schema, { what: `--resume: bad records of --retry-errors` });
  if (content.partial !== null || content.unterminated)
    throw new UserError(
      `--resume: ${file} ends mid-line, but ${REOPEN_MARKER_FILE} says it is whole; move both out of the job folder and run again`,
    );
}

/** Whether `file` is a regular file (false when there is none); `UserError` for anything else. */
async function isRegularFile(file: string): Promise<boolean> {
  const info = await lstat(file).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return null;
    throw err;
  });
  if (info === null) return false;
  if (info.isFile()) return true;
  throw new UserError(
    `--resume: ${file} is ${kindOf(info)}, not the file --retry-errors writes; move it out of the job folder and run again`,
  );
}
