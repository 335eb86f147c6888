/**
 * Small dense least squares (pure): Householder QR, which stays accurate where the normal
 * equations would square the condition number. Enough for the 2 to 4 parameters of our models.
 */

/** The solution of `min ||A x - b||`, with the facts needed to judge it. */
export interface LeastSquaresResult {
  coefficients: number[];
  /** Residuals `b - A x`, one per row. */
  residuals: number[];
  /** Sum of squared residuals. */
  residualSumOfSquares: number;
  /** False when a column is (numerically) a combination of the others: the fit is not unique. */
  fullRank: boolean;
}

/** Relative size under which a diagonal of R counts as zero (the column adds nothing). */
const RANK_TOLERANCE = 1e-10;

/**
 * Solves `min ||A x - b||_2` for `rows` (each row one observation, each column one parameter).
 * Rank-deficient problems return `fullRank: false` with the dependent coefficients set to 0.
 * Throws RangeError for ragged or non-finite input, or fewer rows than columns.
 */
export function leastSquares(
  rows: readonly (readonly number[])[],
  targets: readonly number[],
): LeastSquaresResult {
  const m = rows.length;
  const n = rows[0]?.length ?? 0;
  if (m !== targets.length) throw new RangeError(`leastSquares: ${m} rows but ${targets.length} targets`);
  if (n === 0) throw new RangeError('leastSquares: no columns');
  if (m < n) throw new RangeError(`leastSquares: ${m} rows for ${n} unknowns`);
  const a = rows.map((row, i) => {
    if (row.length !== n)
      throw new RangeError(`leastSquares: row ${i} has ${row.length} columns, expected ${n}`);
    if (!row.every(Number.isFinite)) throw new RangeError(`leastSquares: row ${i} is not finite`);
    return Float64Array.from(row);
  });
  const b = Float64Array.from(targets);
  if (!b.every(Number.isFinite)) throw new RangeError('leastSquares: targets are not finite');

  const columnNorms = Array.from({ length: n }, (_, j) => Math.hypot(...a.map((r) => r[j] as number)));
  const diag = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    // Householder reflection that zeroes column k below the diagonal.
    let norm = 0;
    for (let i = k; i < m; i++) norm = Math.hypot(norm, a[i]![k]!);
    const akk = a[k]![k]!;
    const alpha = akk > 0 ? -norm : norm;
    diag[k] = alpha;
    if (norm === 0) continue;
    const v = new Float64Array(m - k);
    v[0] = akk - alpha;
    for (let i = k + 1; i < m; i++) v[i - k] = a[i]![k]!;
    let vNorm2 = 0;
    for (const x of v) vNorm2 += x * x;
    if (vNorm2 === 0) continue;
    const apply = (get: (i: number) => number, set: (i: number, x: number) => void): void => {
      let dot = 0;
      for (let i = k; i < m; i++) dot += v[i - k]! * get(i);
      const f = (2 * dot) / vNorm2;
      for (let i = k; i < m; i++) set(i, get(i) - f * v[i - k]!);
    };
    for (let j = k + 1; j < n; j++) {
      apply(
        (i) => a[i]![j]!,
        (i, x) => (a[i]![j] = x),
      );
    }
    apply(
      (i) => b[i]!,
      (i, x) => (b[i] = x),
    );
  }

  // Back substitution on R x = Q^T b, skipping numerically dependent columns.
  const x = new Array<number>(n).fill(0);
  let fullRank = true;
  for (let k = n - 1; k >= 0; k--) {
    const r = diag[k]!;
    if (Math.abs(r) <= RANK_TOLERANCE * Math.max(columnNorms[k]!, 1e-300)) {
      fullRank = false;
      continue;
    }
    let s = b[k]!;
    for (let j = k + 1; j < n; j++) s -= a[k]![j]! * x[j]!;
    x[k] = s / r;
  }
  const residuals = rows.map((row, i) => targets[i]! - row.reduce((sum, v, j) => sum + v * x[j]!, 0));
  return {
    coefficients: x,
    residuals,
    residualSumOfSquares: residuals.reduce((s, r) => s + r * r, 0),
    fullRank,
  };
}

/**
 * Least squares with every coefficient >= 0, exact for a few columns: solves each subset of
 * columns and keeps the best solution whose coefficients are all non-negative.
 */
export function nonNegativeLeastSquares(
  rows: readonly (readonly number[])[],
  targets: readonly number[],
): LeastSquaresResult {
  const n = rows[0]?.length ?? 0;
  if (n > 12) throw new RangeError('nonNegativeLeastSquares: at most 12 columns');
  let best: LeastSquaresResult | null = null;
  for (let mask = 1; mask < 1 << n; mask++) {
    const columns = Array.from({ length: n }, (_, j) => j).filter((j) => mask & (1 << j));
    if (columns.length > rows.length) continue;
    const fit = leastSquares(
      rows.map((r) => columns.map((j) => r[j]!)),
      targets,
    );
    if (!fit.fullRank || fit.coefficients.some((c) => c < 0)) continue;
    if (best && fit.residualSumOfSquares >= best.residualSumOfSquares) continue;
    const coefficients = new Array<number>(n).fill(0);
    columns.forEach((j, i) => (coefficients[j] = fit.coefficients[i]!));
    best = { ...fit, coefficients, fullRank: columns.length === n };
  }
  if (best) return best;
  return {
    coefficients: new Array<number>(n).fill(0),
    residuals: [...targets],
    residualSumOfSquares: targets.reduce((s, t) => s + t * t, 0),
    fullRank: false,
  };
}
