/**
 * The anonymous inputs of a simulated job (pure): a split carries as many (empty) keys as it has
 * inputs, and its results as many empty predictions, each array shared by every split of that
 * size and frozen, so that simulating a day does no work per input.
 *
 * With the read-error fault, whose decisions are per input, the inputs are named instead
 * (`<job>/<split>/<index>`), and a simulated function fails the reads that
 * {@link readErrorInjected} picks for its attempt, as a real one does with the same fault.
 */
import type { AssignedSplit, ReturnedSplit } from '../core/dispatch-types.js';
import { INJECTED_READ_ERROR, readErrorInjected, type ReadErrorFault } from '../core/faults.js';
import type { InputResult } from '../core/prediction.js';

const ANONYMOUS_KEYS = new Map<number, string[]>();
const ANONYMOUS_RESULTS = new Map<number, InputResult[]>();
const NO_PREDICTIONS: InputResult['top'] = [];

/** `inputs` anonymous keys (one shared array per size). */
export function anonymousKeys(inputs: number): string[] {
  let keys = ANONYMOUS_KEYS.get(inputs);
  if (!keys)
    ANONYMOUS_KEYS.set(inputs, (keys = Object.freeze(new Array<string>(inputs).fill('')) as string[]));
  return keys;
}

/** `inputs` results with an empty prediction (one shared array per size). */
export function anonymousResults(inputs: number): InputResult[] {
  let results = ANONYMOUS_RESULTS.get(inputs);
  if (!results) {
    // Frozen, as the keys: the core checks one such pair once, not input by input per split.
    const one: InputResult = Object.freeze({ key: '', top: NO_PREDICTIONS, error: null });
    ANONYMOUS_RESULTS.set(
      inputs,
      (results = Object.freeze(new Array<InputResult>(inputs).fill(one)) as InputResult[]),
    );
  }
  return results;
}

/** What a worker returns for `split`: its attempt, and an empty prediction for each input. */
export function anonymousReturn(split: AssignedSplit): ReturnedSplit {
  return { splitId: split.splitId, attempt: split.attempt, results: anonymousResults(split.keys.length) };
}

/** The keys of split `splitId` of job `jobId` when its inputs must be told apart. */
export function namedKeys(jobId: string, splitId: string, inputs: number): string[] {
  const keys = new Array<string>(inputs);
  for (let i = 0; i < inputs; i++) keys[i] = `${jobId}/${splitId}/${i}`;
  return keys;
}

/**
 * What a worker with the read-error fault returns for `split`: for each input whose read `fault`
 * picks for the attempt, the error a function's pipeline writes for it (passing), else an empty
 * prediction.
 */
export function returnWithReadErrors(split: AssignedSplit, fault: ReadErrorFault): ReturnedSplit {
  const results = split.keys.map((key): InputResult =>
    readErrorInjected(fault, key, split.attempt)
      ? {
          key,
          top: null,
          error: `cannot load '${key}': ${INJECTED_READ_ERROR.message}`,
          errorKind: 'passing',
        }
      : { key, top: NO_PREDICTIONS, error: null },
  );
  return { splitId: split.splitId, attempt: split.attempt, results };
}
