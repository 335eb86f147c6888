/** Helpers of the split state machine (pure): the pending queue and the check of a split's results. */
import { ERROR_KIND_RULE, type InputResult, isInputErrorKind } from './prediction.js';

/** Why a queue entry exists. */
export type QueuedKind = 'first' | 'retry' | 'copy';

/** One entry of the pending queue. */
export interface QueuedSplit {
  splitId: string;
  kind: QueuedKind;
}

/**
 * The pending queue: first attempts in FIFO order behind a short FIFO "front" of retries and
 * speculative copies, which are served first. Taking from the head is O(1) amortised.
 */
export class PendingQueue {
  private readonly front: QueuedSplit[] = [];
  /** First attempts: split ids. */
  private main: string[] = [];
  private head = 0;

  get size(): number {
    return this.front.length + this.main.length - this.head;
  }

  /** Queues a first attempt behind the others. */
  pushBack(splitId: string): void {
    this.main.push(splitId);
  }

  /** Queues ahead of every first attempt, behind earlier retries and copies. */
  pushFront(splitId: string, kind: QueuedKind): void {
    this.front.push({ splitId, kind });
  }

  /** Removes and returns the first entry that `accept` allows (null: any), or null. */
  take(accept: ((splitId: string) => boolean) | null): QueuedSplit | null {
    for (let i = 0; i < this.front.length; i++) {
      const entry = this.front[i] as QueuedSplit;
      if (accept === null || accept(entry.splitId)) {
        this.front.splice(i, 1);
        return entry;
      }
    }
    for (let i = this.head; i < this.main.length; i++) {
      const splitId = this.main[i] as string;
      if (accept !== null && !accept(splitId)) continue;
      if (i === this.head) {
        this.head++;
        this.compact();
      } else {
        this.main.splice(i, 1);
      }
      return { splitId, kind: 'first' };
    }
    return null;
  }

  /** Removes every entry of a split. */
  removeAll(splitId: string): void {
    for (let i = this.front.length - 1; i >= 0; i--)
      if (this.front[i]?.splitId === splitId) this.front.splice(i, 1);
    if (this.main.indexOf(splitId, this.head) >= 0) {
      this.main = this.main.slice(this.head).filter((id) => id !== splitId);
      this.head = 0;
    }
  }

  private compact(): void {
    if (this.head >= 1024 && this.head * 2 >= this.main.length) {
      this.main = this.main.slice(this.head);
      this.head = 0;
    }
  }
}

/** Results checked against a split's keys, reordered to the split's key order. */
export type CheckedResults = { ok: true; results: readonly InputResult[] } | { ok: false; problem: string };

/** Why one entry is malformed, or null. */
function entryProblem(result: InputResult): string | null {
  const hasTop = result.top !== null && result.top !== undefined;
  const hasError = result.error !== null && result.error !== undefined;
  const hasVector = result.vector !== undefined;
  if (Number(hasTop) + Number(hasError) + Number(hasVector) !== 1)
    return `input ${JSON.stringify(result.key)} must have either predictions, a vector or an error`;
  const kind: unknown = result.errorKind;
  if (kind !== undefined && (!hasError || !isInputErrorKind(kind)))
    return `input ${JSON.stringify(result.key)}: ${ERROR_KIND_RULE}`;
  return null;
}

/**
 * Frozen results found in order for frozen keys: the same pair checks the same again, so it is
 * not checked input by input twice (the simulator returns one such pair per split size).
 */
const inOrderFrozen = new WeakMap<readonly InputResult[], readonly string[]>();

/**
 * Checks that `results` hold exactly one well-formed entry per key of the split (a prediction,
 * a vector or an error, exactly one of them) and returns them in key order (the same array when they
 * are in order already). A key listed twice in the split needs two results. Frozen arrays of
 * frozen entries, checked once against frozen keys, are not checked again.
 */
export function validateResults(keys: readonly string[], results: readonly InputResult[]): CheckedResults {
  if (inOrderFrozen.get(results) === keys) return { ok: true, results };
  if (results.length !== keys.length) {
    return { ok: false, problem: `${results.length} results for ${keys.length} inputs` };
  }
  let inOrder = true;
  for (let i = 0; i < keys.length; i++) {
    const result = results[i] as InputResult;
    const problem = entryProblem(result);
    if (problem !== null) return { ok: false, problem };
    if (result.key !== keys[i]) inOrder = false;
  }
  if (inOrder) {
    if (Object.isFrozen(results) && Object.isFrozen(keys)) inOrderFrozen.set(results, keys);
    return { ok: true, results };
  }
  const byKey = new Map<string, InputResult[]>();
  for (const result of results) {
    const list = byKey.get(result.key);
    if (list) list.push(result);
    else byKey.set(result.key, [result]);
  }
  const ordered: InputResult[] = [];
  for (const key of keys) {
    const result = byKey.get(key)?.shift();
    if (!result) return { ok: false, problem: `no result for input ${JSON.stringify(key)}` };
    ordered.push(result);
  }
  return { ok: true, results: ordered };
}
