/**
 * Activation ranges from calibration batches: min-max, a percentile of the values, or the
 * threshold that minimises the KL divergence between the values and their 8-bit version
 * ("entropy", as TensorRT calibrates). Each tensor keeps its running min and max and a
 * histogram that is rebinned when the range grows. Pure.
 */

/** How a range is chosen from the values seen. */
export type CalibrationMethod = 'minmax' | 'percentile' | 'entropy';

/** Every calibration method, as `model quantize --method` lists them. */
export const CALIBRATION_METHODS: readonly CalibrationMethod[] = ['minmax', 'percentile', 'entropy'];

/**
 * The default method: entropy, since a min-max range hangs on the single most extreme value of
 * the calibration images (docs/int8.md has the measurements).
 */
export const DEFAULT_CALIBRATION_METHOD: CalibrationMethod = 'entropy';

/** Share of the values a percentile range keeps (per side of zero). */
export const DEFAULT_PERCENTILE = 99.999;

const BINS = 2048;

/** Running statistics of one tensor. */
export class RangeCollector {
  min = Infinity;
  max = -Infinity;
  /** Histograms of the positive values over [0, posEdge] and of |negative values| over [0, negEdge]. */
  private readonly pos = new Float64Array(BINS);
  private readonly neg = new Float64Array(BINS);
  private posEdge = 0;
  private negEdge = 0;

  constructor(private readonly histograms: boolean) {}

  add(values: Float32Array): void {
    let lo = this.min;
    let hi = this.max;
    for (let i = 0; i < values.length; i++) {
      const v = values[i] as number;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    this.min = lo;
    this.max = hi;
    if (!this.histograms) return;
    if (hi > this.posEdge) this.posEdge = grow(this.pos, this.posEdge, hi);
    if (-lo > this.negEdge) this.negEdge = grow(this.neg, this.negEdge, -lo);
    const posStep = this.posEdge > 0 ? BINS / this.posEdge : 0;
    const negStep = this.negEdge > 0 ? BINS / this.negEdge : 0;
    for (let i = 0; i < values.length; i++) {
      const v = values[i] as number;
      if (v > 0) this.pos[Math.min(BINS - 1, Math.floor(v * posStep))]! += 1;
      else if (v < 0) this.neg[Math.min(BINS - 1, Math.floor(-v * negStep))]! += 1;
    }
  }

  /** The range to quantize to; [0, 0] when nothing was seen. */
  range(method: CalibrationMethod, percentile = DEFAULT_PERCENTILE): { min: number; max: number } {
    if (this.min > this.max) return { min: 0, max: 0 };
    if (method === 'minmax' || !this.histograms) return { min: this.min, max: this.max };
    const pick = (hist: Float64Array, edge: number, observed: number): number => {
      if (observed <= 0) return 0;
      const t = method === 'percentile' ? percentileEdge(hist, edge, percentile) : entropyEdge(hist, edge);
      return Math.min(t, observed);
    };
    return { min: -pick(this.neg, this.negEdge, -this.min), max: pick(this.pos, this.posEdge, this.max) };
  }
}

/** Rebins `hist` (over [0, edge]) into a wider range covering `value`; returns the new edge. */
function grow(hist: Float64Array, edge: number, value: number): number {
  let next = edge > 0 ? edge : value;
  while (next < value) next *= 2;
  if (edge > 0 && next !== edge) {
    const old = Float64Array.from(hist);
    hist.fill(0);
    const ratio = edge / next;
    for (let b = 0; b < BINS; b++) {
      const count = old[b] as number;
      if (count > 0) hist[Math.min(BINS - 1, Math.floor((b + 0.5) * ratio))]! += count;
    }
  }
  return next;
}

function percentileEdge(hist: Float64Array, edge: number, percentile: number): number {
  const total = hist.reduce((a, c) => a + c, 0);
  const keep = (total * percentile) / 100;
  let seen = 0;
  for (let b = 0; b < BINS; b++) {
    seen += hist[b] as number;
    if (seen >= keep) return ((b + 1) * edge) / BINS;
  }
  return edge;
}

/** Levels one side of zero gets in uint8 (about half of 256 for a signed tensor, all for a one-sided one). */
const LEVELS = 128;

/**
 * The clipping threshold whose 8-bit version of the histogram is closest (KL divergence) to the
 * clipped histogram, with the values beyond the threshold folded into the last bin.
 */
function entropyEdge(hist: Float64Array, edge: number): number {
  let last = BINS - 1;
  while (last > 0 && hist[last] === 0) last--;
  const used = last + 1;
  if (used <= LEVELS) return (used * edge) / BINS;
  let best = used;
  let bestKl = Infinity;
  const step = Math.max(1, Math.floor((used - LEVELS) / 256));
  for (let i = LEVELS; i <= used; i += step) {
    const p = Array.from(hist.subarray(0, i));
    let outliers = 0;
    for (let b = i; b < used; b++) outliers += hist[b] as number;
    p[i - 1] = (p[i - 1] as number) + outliers;
    const q = new Array<number>(i).fill(0);
    const perLevel = i / LEVELS;
    for (let level = 0; level < LEVELS; level++) {
      const start = Math.floor(level * perLevel);
      const end = level === LEVELS - 1 ? i : Math.floor((level + 1) * perLevel);
      let sum = 0;
      let nonZero = 0;
      for (let b = start; b < end; b++) {
        sum += hist[b] as number;
        if ((hist[b] as number) > 0) nonZero++;
      }
      for (let b = start; b < end; b++) if ((hist[b] as number) > 0) q[b] = sum / nonZero;
    }
    const kl = divergence(p, q);
    if (kl < bestKl) {
      bestKl = kl;
      best = i;
    }
  }
  return (best * edge) / BINS;
}

function divergence(p: number[], q: number[]): number {
  const ps = p.reduce((a, x) => a + x, 0);
  const qs = q.reduce((a, x) => a + x, 0);
  if (ps === 0 || qs === 0) return Infinity;
  let kl = 0;
  for (let i = 0; i < p.length; i++) {
    const pi = (p[i] as number) / ps;
    if (pi === 0) continue;
    const qi = (q[i] as number) / qs;
    kl += qi === 0 ? pi * 20 : pi * Math.log(pi / qi);
  }
  return kl;
}
