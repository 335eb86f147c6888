/** The best classes of one row of scores, and the softmax top-k of a classifier's logits. */
import type { ClassScore } from '../../core/prediction.js';

/**
 * The indices of the `k` largest values of `row`, largest first (ties keep the lower index
 * first). `row` must hold no NaN.
 */
export function bestIndices(row: Float32Array, k: number): number[] {
  const n = Math.min(k, row.length);
  const best: number[] = [];
  for (let c = 0; c < row.length; c++) {
    const v = row[c] as number;
    if (best.length === n && !(v > (row[best[n - 1] as number] as number))) continue;
    let at = best.length === n ? n - 1 : best.length;
    while (at > 0 && v > (row[best[at - 1] as number] as number)) at--;
    best.splice(at, 0, c);
    if (best.length > n) best.pop();
  }
  return best;
}

/** Class `c` with its score, and its label when `labels` names it. */
export function classScore(c: number, score: number, labels?: readonly string[]): ClassScore {
  const scored: ClassScore = { class: c, score };
  const label = labels?.[c];
  if (label !== undefined) scored.label = label;
  return scored;
}

/**
 * The `k` best classes of one row of logits, best first, each with its softmax probability
 * (ties keep the lower class id first). `labels[i]` names class `i` when given.
 */
export function topK(logits: Float32Array, k: number, labels?: readonly string[]): ClassScore[] {
  let max = -Infinity;
  for (const v of logits) if (v > max) max = v;
  let sum = 0;
  for (const v of logits) sum += Math.exp(v - max);
  return bestIndices(logits, k).map((c) =>
    classScore(c, Math.exp((logits[c] as number) - max) / sum, labels),
  );
}
