/**
 * A job folder's records checked against the job's plan before a resume uses them (pure). The
 * schemas have already checked each line on its own; this checks that they tell one consistent
 * story: every logged split is a split of the plan, logged once, with the plan's size; the
 * result lines it owns (written just before its log line, in the same order) are exactly its
 * inputs, each once, and its counts are those of its lines. A folder that fails is refused
 * whole, naming the file, the line and the field, so that a damaged or edited record never
 * turns into lost, duplicated or relabelled results.
 */
import type { InputResult } from '../core/prediction.js';
import type { SplitRange } from '../core/splitting.js';
import type { Issue } from '../errors.js';
import type { SplitLogLine } from './result-sink.js';

/** How `--resume` reports a bad line of a job's record files. */
export const RESUME_BAD_RECORDS = { what: '--resume: bad records' };
/** How `--resume` reports a `job.json` its schema refuses. */
export const RESUME_RECORD_REFUSED = '--resume: invalid job record';

/** Records read from one file, with the line number of each. */
export interface NumberedRecords<T> {
  file: string;
  records: readonly T[];
  lines: readonly number[];
}

export interface ResumeRecords {
  plan: readonly SplitRange[];
  /** How many runs the job has had. */
  runs?: number;
  /** The job's inputs, in order (a key may repeat). */
  keys: readonly string[];
  splits: NumberedRecords<SplitLogLine>;
  results: NumberedRecords<InputResult>;
}

/** What the check found: the issues, and how many result lines the logged splits own. */
export interface ResumeCheck {
  issues: Issue[];
  owned: number;
}

/** Counts of each key. */
function tally(keys: Iterable<string>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const key of keys) counts.set(key, (counts.get(key) ?? 0) + 1);
  return counts;
}

function quoted(key: string): string {
  return JSON.stringify(key.length > 80 ? `${key.slice(0, 77)}...` : key);
}

/**
 * The keys a split's lines must hold, in the order the job manager writes them: its inputs
 * that still owe a line (a key repeated across splits gets one line per occurrence).
 */
function takeOwed(keys: readonly string[], owed: Map<string, number>): string[] {
  const taken: string[] = [];
  for (const key of keys) {
    const left = owed.get(key) ?? 0;
    if (left <= 0) continue;
    owed.set(key, left - 1);
    taken.push(key);
  }
  return taken;
}

/** The issues of one split's lines, `lines` being those it owns. */
function checkSplitLines(
  log: SplitLogLine,
  where: string,
  expected: readonly string[],
  lines: readonly InputResult[],
  at: (i: number) => string,
): Issue[] {
  const issues: Issue[] = [];
  const want = tally(expected);
  const stray = lines.flatMap((line, i) => {
    const left = want.get(line.key) ?? 0;
    want.set(line.key, left - 1);
    return left > 0 ? [] : [i];
  });
  const first = stray[0];
  if (first !== undefined) {
    const more =
      stray.length > 1 ? `; ${stray.length} of its ${lines.length} lines are` : '; it is the only one';
    issues.push({
      path: `${at(first)}: key`,
      message: `${quoted((lines[first] as InputResult).key)} is not an input of split '${log.splitId}' (${where}) or is there twice${more}`,
    });
  }
  const ok = lines.filter((l) => l.error === null).length;
  if (issues.length === 0 && ok !== log.ok)
    issues.push({
      path: `${where}: ok`,
      message: `expected ${ok} (the split's lines with a prediction), got ${log.ok}`,
    });
  if (issues.length === 0 && lines.length - ok !== log.errors)
    issues.push({
      path: `${where}: errors`,
      message: `expected ${lines.length - ok} (the split's lines with an error), got ${log.errors}`,
    });
  return issues;
}

/**
 * Checks that every logged split is a split of the plan, logged once, with the plan's size;
 * returns the issues and, when there are none, each line's range in the plan.
 */
export function checkSplitLog(
  plan: readonly SplitRange[],
  splits: NumberedRecords<SplitLogLine>,
  runs = Infinity,
): { issues: Issue[]; ranges: SplitRange[] } {
  const issues: Issue[] = [];
  const byId = new Map(plan.map((range) => [range.splitId, range]));
  const loggedAt = new Map<string, number | undefined>();
  const ranges: SplitRange[] = [];
  splits.records.forEach((log, i) => {
    const where = `${splits.file}:${splits.lines[i] ?? '?'}`;
    const range = byId.get(log.splitId);
    if (!range) {
      issues.push({
        path: `${where}: splitId`,
        message: `'${log.splitId}' is not a split of the job's plan (${plan.length} splits, ids 0 to ${plan.length - 1})`,
      });
    } else if (loggedAt.has(log.splitId)) {
      issues.push({
        path: `${where}: splitId`,
        message: `split '${log.splitId}' is logged already, at line ${loggedAt.get(log.splitId) ?? '?'}`,
      });
    } else if ((log.run ?? 0) >= runs) {
      issues.push({
        path: `${where}: run`,
        message: `expected a run of the job (0 to ${runs - 1}), got ${log.run ?? 0}`,
      });
    } else if (log.inputs !== range.inputs) {
      issues.push({
        path: `${where}: inputs`,
        message: `expected ${range.inputs} (the split's size in the job's plan), got ${log.inputs}`,
      });
    } else ranges.push(range);
    loggedAt.set(log.splitId, splits.lines[i]);
  });
  return { issues, ranges };
}

/**
 * Checks the split log and the result lines of a job folder against its plan and inputs. The
 * result lines are followed split by split up to the first split whose lines do not match (the
 * later ones cannot be told apart).
 */
export function checkResumeRecords({ plan, runs, keys, splits, results }: ResumeRecords): ResumeCheck {
  const log = checkSplitLog(plan, splits, runs);
  if (log.issues.length > 0) return { issues: log.issues, owned: 0 };
  const owed = tally(keys);
  let cursor = 0;
  for (const [i, split] of splits.records.entries()) {
    const range = log.ranges[i] as SplitRange;
    const where = `${splits.file}:${splits.lines[i] ?? '?'}`;
    const expected = takeOwed(keys.slice(range.first, range.first + range.inputs), owed);
    if (split.ok + split.errors !== expected.length) {
      const message = `expected ${expected.length} (the split's inputs that get a line), got ${split.ok + split.errors}`;
      return { issues: [{ path: `${where}: ok + errors`, message }], owned: cursor };
    }
    if (cursor + expected.length > results.records.length) {
      const message = `has ${results.records.length} complete lines, but the splits logged up to ${where} own ${cursor + expected.length}`;
      return { issues: [{ path: results.file, message }], owned: cursor };
    }
    const start = cursor;
    const lines = results.records.slice(start, start + expected.length);
    const at = (j: number): string => `${results.file}:${results.lines[start + j] ?? '?'}`;
    const found = checkSplitLines(split, where, expected, lines, at);
    if (found.length > 0) return { issues: found, owned: cursor };
    cursor += expected.length;
  }
  return { issues: [], owned: cursor };
}

/**
 * The runs a job folder lists, numbered 0, 1, 2... with the worker id prefixes a job gives them
 * (`''`, `r1.`, `r2.`...): a resume tells each record's run by them.
 */
export function checkRuns(file: string, runs: readonly { run: number; workerIdPrefix: string }[]): Issue[] {
  return runs.flatMap((r, i) => {
    if (r.run !== i) return [{ path: `${file}: runs[${i}].run`, message: `expected ${i}, got ${r.run}` }];
    const prefix = i === 0 ? '' : `r${i}.`;
    if (r.workerIdPrefix !== prefix)
      return [
        {
          path: `${file}: runs[${i}].workerIdPrefix`,
          message: `expected '${prefix}', got '${r.workerIdPrefix}'`,
        },
      ];
    return [];
  });
}
