/**
 * Two embed jobs' vectors compared by key (pure): the cosine similarity of each input's two
 * vectors, its spread, and the inputs whose vectors are the least alike.
 */
import type { InputResult } from '../../core/prediction.js';
import { comparedErrors } from './compare-predictions.js';
import { LOWEST_SHOWN, type EmbedAgreement, type VectorSimilarity } from './job-comparison.js';
import { median } from '../../core/median.js';

/** Cosine similarity of two vectors of one length: 1 where both are zero, 0 where one is. */
export function cosineSimilarity(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    const [x, y] = [a[i]!, b[i]!];
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  if (na === 0 || nb === 0) return na === nb ? 1 : 0;
  // Rounding can take the quotient a hair past ±1.
  return Math.max(-1, Math.min(1, dot / Math.sqrt(na * nb)));
}

/**
 * The vectors of A and B compared on `keys` (keys both have), each job's vectors by key; the
 * caller checks that both jobs' vectors are `dims` long.
 */
export function embedAgreement(
  keys: readonly string[],
  results: { a: ReadonlyMap<string, InputResult>; b: ReadonlyMap<string, InputResult> },
  vectors: { a: ReadonlyMap<string, Float32Array>; b: ReadonlyMap<string, Float32Array> },
  dims: number,
): EmbedAgreement {
  const similarities: VectorSimilarity[] = [];
  for (const key of keys) {
    const [va, vb] = [vectors.a.get(key), vectors.b.get(key)];
    if (va && vb) similarities.push({ key, cosine: cosineSimilarity(va, vb) });
  }
  const sorted = similarities.map((s) => s.cosine).sort((x, y) => x - y);
  const lowest = [...similarities].sort((x, y) => x.cosine - y.cosine).slice(0, LOWEST_SHOWN);
  return {
    kind: 'embed',
    compared: similarities.length,
    dims,
    cosine:
      sorted.length === 0
        ? null
        : {
            min: sorted[0]!,
            median: median(sorted) as number, // not empty here
            mean: sorted.reduce((sum, v) => sum + v, 0) / sorted.length,
          },
    lowest,
    ...comparedErrors(keys, results.a, results.b),
  };
}
