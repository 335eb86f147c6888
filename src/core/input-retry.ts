/**
 * Inputs tried again within a job (pure). A function reports an input whose read failed for a
 * passing reason (`errorKind: 'passing'`); its split is not done then: the results of the other
 * inputs are held, and after a back-off a retry attempt of the split runs only the inputs that
 * failed, up to the split's retry limit. When no passing error is left, or the limit is reached,
 * the split is done with the merged results; an input still failing says how often it was tried.
 * The split's id stays the same, and it is written only when done, so that a resumed job (which
 * runs every split not written again) still gives every input exactly one line.
 */
import { INPUT_RETRY_BACKOFF_MS, MAX_INPUT_RETRY_BACKOFF_MS } from './dispatch-defaults.js';
import type { InputResult } from './prediction.js';

/** The round of a split whose inputs are tried again: which inputs run, and what is held. */
export interface InputRound {
  /** Indexes (in the split's keys) of the inputs the attempts of this round run, in order. */
  open: readonly number[];
  /** The split's results so far, one per key (those of `open` are the last round's errors). */
  held: readonly InputResult[];
  /** Attempts with a lower number ran an earlier round (their results are not this round's). */
  firstAttempt: number;
  /** Rounds after the first so far. */
  retries: number;
}

/**
 * A split of a complete job run again for its inputs whose line is a passing error (`obifaas run
 * --resume --retry-errors`): its lines, and the indexes of those inputs.
 */
export interface ReopenedSplit {
  splitId: string;
  /** The split's lines, one per input, in the split's order. */
  held: readonly InputResult[];
  /** Indexes (in the split) of the inputs that run again. */
  open: readonly number[];
}

/** The first round of a reopened split: only its open inputs run, the others are held. */
export function reopenedRound(split: ReopenedSplit): InputRound {
  return { open: split.open, held: split.held, firstAttempt: 0, retries: 0 };
}

/** The keys a round runs. */
export function roundKeys(keys: readonly string[], round: InputRound | null): readonly string[] {
  return round === null ? keys : round.open.map((i) => keys[i] as string);
}

/** Whether `result` is an error that may pass when its input is tried again. */
function isPassingError(result: InputResult): boolean {
  return result.error !== null && result.errorKind === 'passing';
}

/** The passing errors' indexes in frozen results arrays seen before (the simulator shares them). */
const passingInFrozen = new WeakMap<readonly InputResult[], readonly number[]>();

/** The indexes of `results` that are passing errors. */
function passingIndexes(results: readonly InputResult[]): readonly number[] {
  const known = passingInFrozen.get(results);
  if (known) return known;
  const passing: number[] = [];
  results.forEach((result, index) => {
    if (isPassingError(result)) passing.push(index);
  });
  if (Object.isFrozen(results)) passingInFrozen.set(results, Object.freeze(passing));
  return passing;
}

/**
 * A round's results (in the round's key order) merged into what is held: the split's results,
 * one per key, and the indexes of the inputs whose error is passing. A first round's results are
 * kept as they are, not copied.
 */
export function mergeRound(
  keyCount: number,
  round: InputRound | null,
  results: readonly InputResult[],
): { results: readonly InputResult[]; passing: readonly number[] } {
  const inRound = passingIndexes(results);
  let merged = results;
  let passing = inRound;
  if (round !== null) {
    const copy = [...round.held];
    results.forEach((result, j) => (copy[round.open[j] as number] = result));
    merged = copy;
    passing = inRound.map((j) => round.open[j] as number);
  }
  if (merged.length !== keyCount) throw new RangeError(`${merged.length} results for ${keyCount} inputs`);
  return { results: merged, passing };
}

/**
 * The split's final results: each passing error left (at the indexes `passing`) says how often
 * its input was tried; the same array when none is left.
 */
export function finalResults(
  results: readonly InputResult[],
  passing: readonly number[],
  tries: number,
): readonly InputResult[] {
  if (passing.length === 0) return results;
  const times = tries === 1 ? '1 time' : `${tries} times`;
  const final = [...results];
  for (const i of passing) {
    const r = final[i] as InputResult;
    final[i] = { ...r, error: `${r.error} (tried ${times})` };
  }
  return final;
}

/**
 * The split's results when the attempts of a round all failed: the held results, and `error`
 * for the inputs of the round (every input when there is no round).
 */
export function failedRoundResults(
  keys: readonly string[],
  round: InputRound | null,
  error: string,
): InputResult[] {
  if (round === null) return keys.map((key) => ({ key, top: null, error }));
  const results = [...round.held];
  for (const i of round.open) results[i] = { key: keys[i] as string, top: null, error };
  return results;
}

/** The back-off before retry round `retry` (1 for the first): doubling from `baseMs`, capped. */
export function inputRetryBackoffMs(retry: number, baseMs = INPUT_RETRY_BACKOFF_MS): number {
  return Math.min(baseMs * 2 ** Math.max(0, retry - 1), MAX_INPUT_RETRY_BACKOFF_MS);
}
