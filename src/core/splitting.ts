/** How a job's inputs are cut into splits (pure). */

/** A contiguous group of inputs that one worker processes as a unit. */
export interface Split {
  splitId: string;
  keys: string[];
}

/**
 * Static mode: `workers` contiguous chunks of near-equal size, the remainder spread one each
 * over the first chunks (as the reference does). Never returns an empty chunk: with fewer
 * inputs than workers, there are as many chunks as inputs.
 */
export function chunkEvenly(keys: readonly string[], workers: number): Split[] {
  if (!Number.isInteger(workers) || workers < 1) throw new RangeError(`workers must be >= 1, got ${workers}`);
  const count = Math.min(workers, keys.length);
  const base = Math.floor(keys.length / Math.max(count, 1));
  const remainder = keys.length - base * count;
  const splits: Split[] = [];
  let start = 0;
  for (let i = 0; i < count; i++) {
    const size = base + (i < remainder ? 1 : 0);
    splits.push({ splitId: String(i), keys: keys.slice(start, start + size) });
    start += size;
  }
  return splits;
}

/** Dynamic mode: consecutive splits of `splitSize` inputs (the last may be shorter). */
export function splitBySize(keys: readonly string[], splitSize: number): Split[] {
  if (!Number.isInteger(splitSize) || splitSize < 1)
    throw new RangeError(`splitSize must be >= 1, got ${splitSize}`);
  const splits: Split[] = [];
  for (let start = 0, i = 0; start < keys.length; start += splitSize, i++) {
    splits.push({ splitId: String(i), keys: keys.slice(start, start + splitSize) });
  }
  return splits;
}
