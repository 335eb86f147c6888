/** Logits to the `k` most likely classes with softmax probabilities. */
import type { ClassScore } from '../../core/prediction.js';

/**
 * The `k` best classes of one row of logits, best first, each with its softmax probability
 * (ties keep the lower class id first). `labels[i]` names class `i` when given.
 */
export function topK(logits: Float32Array, k: number, labels?: readonly string[]): ClassScore[] {
  let max = -Infinity;
  for (const v of logits) if (v > max) max = v;
  let sum = 0;
  for (const v of logits) sum += Math.exp(v - max);
  const n = Math.min(k, logits.length);
  const best: number[] = [];
  for (let c = 0; c < logits.length; c++) {
    const v = logits[c] as number;
    if (best.length === n && !(v > (logits[best[n - 1] as number] as number))) continue;
    let at = best.length === n ? n - 1 : best.length;
    while (at > 0 && v > (logits[best[at - 1] as number] as number)) at--;
    best.splice(at, 0, c);
    if (best.length > n) best.pop();
  }
  return best.map((c) => {
    const score: ClassScore = { class: c, score: Math.exp((logits[c] as number) - max) / sum };
    const label = labels?.[c];
    if (label !== undefined) score.label = label;
    return score;
  });
}
