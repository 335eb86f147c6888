/**
 * `obifaas run --resume DIR --retry-errors`: the inputs of a complete job whose line is a passing
 * error (`errorKind: 'passing'`: storage throttled, a server fault) run again. The splits that
 * hold them are taken out of the job's records, which makes the folder a job stopped halfway,
 * and the resume runs them with their other lines held (`core/input-retry.ts`): only the inputs
 * with a passing error run, and each split is written once, with one line per input.
 *
 * The two records change together or not at all: the new `results.jsonl` and `splits.jsonl`
 * are written beside the old ones, then a marker says they are whole, then they replace the old
 * ones and the marker goes. A crash before the marker leaves the old records (the new ones are
 * removed by {@link recoverReopenedRecords}); after it, the swap is finished there.
 */
import { rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { ReopenedSplit } from '../core/input-retry.js';
import type { InputResult } from '../core/prediction.js';
import type { SplitRange } from '../core/splitting.js';
import { UserError } from '../errors.js';
import { writeFileAtomic } from '../util/atomic-file.js';
import { jsonLinesText } from '../util/json-lines.js';
import { RESULTS_FILE, SPLITS_FILE } from './output.js';
import type { SplitLogLine } from './result-sink.js';

/** Says that the new records beside the old ones are whole and replace them. */
export const REOPEN_MARKER_FILE = 'retry-errors.swap';
/** The suffix of the new records before they replace the old ones. */
export const REOPEN_NEW_SUFFIX = '.retry-errors';
const SWAPPED = [RESULTS_FILE, SPLITS_FILE];

/** The records of a complete job with its passing errors taken out. */
export interface ReopenPlan {
  reopened: ReopenedSplit[];
  splits: SplitLogLine[];
  /** The kept lines, split by split in the order of `splits`. */
  lines: InputResult[];
}

/**
 * Which splits of a complete job (its `results.jsonl` in input order) hold inputs whose line is
 * a passing error, and the records without them; null when there are none. Throws `UserError`
 * for an embed job (its vectors are in `embeddings.parquet`, which a retry does not rewrite).
 */
export function planReopen(
  plan: readonly SplitRange[],
  splits: readonly SplitLogLine[],
  lines: readonly InputResult[],
): ReopenPlan | null {
  if (lines.some((l) => l.embedding !== undefined))
    throw new UserError('--retry-errors: an embed job cannot be retried (its vectors are written once)');
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

const jsonLines = (values: readonly unknown[]): Buffer => Buffer.from(jsonLinesText(values), 'utf8');

/** Replaces the job's records in `dir` with `plan`'s, all or nothing (see the module comment). */
export async function writeReopenedRecords(dir: string, plan: ReopenPlan): Promise<void> {
  await writeFileAtomic(path.join(dir, RESULTS_FILE + REOPEN_NEW_SUFFIX), jsonLines(plan.lines));
  await writeFileAtomic(path.join(dir, SPLITS_FILE + REOPEN_NEW_SUFFIX), jsonLines(plan.splits));
  await writeFileAtomic(path.join(dir, REOPEN_MARKER_FILE), Buffer.from('swap\n'));
  await recoverReopenedRecords(dir);
}

/**
 * Finishes a swap of records the marker says is due (the new records replace the old ones), or
 * removes new records without a marker (written by a run that stopped before they were whole).
 * Runs before anything else reads the folder.
 */
export async function recoverReopenedRecords(dir: string): Promise<void> {
  const marker = path.join(dir, REOPEN_MARKER_FILE);
  const due = await stat(marker).then(
    () => true,
    () => false,
  );
  for (const file of SWAPPED) {
    const fresh = path.join(dir, file + REOPEN_NEW_SUFFIX);
    if (!due) await rm(fresh, { force: true });
    else if (await stat(fresh).catch(() => null)) await rename(fresh, path.join(dir, file));
  }
  if (due) await rm(marker, { force: true });
}
