/**
 * How a job's inputs are cut into splits (pure). A split is planned as a range of the job's
 * inputs (no keys needed, so a plan of a million inputs stays small), and gets its keys when the
 * job runs.
 */

/** A contiguous group of inputs that one worker processes as a unit. */
export interface Split {
  splitId: string;
  keys: string[];
}

/** A split as planned: `inputs` inputs of the job's list, from index `first`. */
export interface SplitRange {
  splitId: string;
  first: number;
  inputs: number;
}

/**
 * Static mode: `workers` contiguous chunks of `count` inputs, of near-equal size, the remainder
 * spread one each over the first chunks (as the reference does). Never an empty chunk: with
 * fewer inputs than workers, there are as many chunks as inputs.
 */
export function chunkRanges(count: number, workers: number): SplitRange[] {
  if (!Number.isInteger(workers) || workers < 1) throw new RangeError(`workers must be >= 1, got ${workers}`);
  const chunks = Math.min(workers, count);
  const base = Math.floor(count / Math.max(chunks, 1));
  const remainder = count - base * chunks;
  const ranges: SplitRange[] = [];
  let first = 0;
  for (let i = 0; i < chunks; i++) {
    const inputs = base + (i < remainder ? 1 : 0);
    ranges.push({ splitId: String(i), first, inputs });
    first += inputs;
  }
  return ranges;
}

/** Dynamic mode: consecutive splits of `splitSize` of `count` inputs (the last may be shorter). */
export function sizeRanges(count: number, splitSize: number): SplitRange[] {
  if (!Number.isInteger(splitSize) || splitSize < 1)
    throw new RangeError(`splitSize must be >= 1, got ${splitSize}`);
  const ranges: SplitRange[] = [];
  for (let first = 0, i = 0; first < count; first += splitSize, i++) {
    ranges.push({ splitId: String(i), first, inputs: Math.min(splitSize, count - first) });
  }
  return ranges;
}

/** The split a range names, with its keys taken from the job's inputs. */
export function splitOf(range: SplitRange, keys: readonly string[]): Split {
  return { splitId: range.splitId, keys: keys.slice(range.first, range.first + range.inputs) };
}

/** Static mode on keys: see {@link chunkRanges}. */
export function chunkEvenly(keys: readonly string[], workers: number): Split[] {
  return chunkRanges(keys.length, workers).map((range) => splitOf(range, keys));
}

/** Dynamic mode on keys: see {@link sizeRanges}. */
export function splitBySize(keys: readonly string[], splitSize: number): Split[] {
  return sizeRanges(keys.length, splitSize).map((range) => splitOf(range, keys));
}
