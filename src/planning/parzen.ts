/**
 * Parzen (kernel) density estimators over one parameter, as the Tree-structured Parzen
 * Estimator uses them (pure): a truncated-Gaussian mixture for numbers, smoothed frequencies
 * for categories. Both include the parameter's prior, so they are proper even with no data.
 */
import type { Random } from '../core/random.js';
import type { CategoricalParameter, NumericParameter, ParamValue } from './space.js';

/** A density that can draw values and score them. */
export interface ParzenEstimator {
  sample(random: Random): ParamValue;
  logDensity(value: ParamValue): number;
}

/** Standard normal CDF (erf by Abramowitz and Stegun 7.1.26, error below 1.5e-7). */
export function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const poly =
    t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - poly * Math.exp(-x * x);
  return z >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}

/** Smallest log density we report, so that ratios stay finite. */
const LOG_FLOOR = -1e3;

/** Frequencies of each category among `observed`, plus a pseudo-count of `priorWeight` spread evenly. */
export function categoricalEstimator(
  parameter: CategoricalParameter,
  observed: readonly ParamValue[],
  priorWeight = 1,
): ParzenEstimator {
  const k = parameter.values.length;
  const weights = parameter.values.map(() => priorWeight / k);
  for (const v of observed) {
    const i = parameter.values.indexOf(v);
    if (i >= 0) weights[i]! += 1;
  }
  const total = weights.reduce((s, w) => s + w, 0);
  const probabilities = weights.map((w) => w / total);
  return {
    sample(random) {
      let u = random.next();
      for (let i = 0; i < k; i++) {
        u -= probabilities[i]!;
        if (u < 0) return parameter.values[i]!;
      }
      return parameter.values[k - 1]!;
    },
    logDensity(value) {
      const i = parameter.values.indexOf(value);
      return i < 0 ? LOG_FLOOR : Math.log(probabilities[i]!);
    },
  };
}

interface Component {
  mu: number;
  sigma: number;
  /** Mass of this Gaussian inside [lo, hi]. */
  mass: number;
}

/**
 * A mixture of Gaussians truncated to the range, one on each observation and one wide prior
 * in the middle. Widths follow hyperopt's adaptive Parzen rule: the larger gap to a neighbour,
 * clipped between range / min(100, 1 + n) and the range. Works on `log x` for log parameters;
 * integers are scored by the mass of their unit bin.
 */
export function numericEstimator(parameter: NumericParameter, observed: readonly number[]): ParzenEstimator {
  const isInt = parameter.type === 'int';
  const toU = (x: number): number => (parameter.log ? Math.log(x) : x);
  const fromU = (u: number): number => (parameter.log ? Math.exp(u) : u);
  const lo = toU(isInt ? parameter.min - 0.5 : parameter.min);
  const hi = toU(isInt ? parameter.max + 0.5 : parameter.max);
  const priorSigma = hi - lo;
  const priorMu = (lo + hi) / 2;
  const mus = observed.map(toU).filter(Number.isFinite);
  const sorted = [...mus, priorMu].sort((a, b) => a - b);
  const minSigma = priorSigma / Math.min(100, 1 + sorted.length);
  const components: Component[] = [];
  const mass = (mu: number, sigma: number): number =>
    Math.max(normalCdf((hi - mu) / sigma) - normalCdf((lo - mu) / sigma), 1e-12);
  let priorSeen = false;
  sorted.forEach((mu, i) => {
    let sigma: number;
    if (mu === priorMu && !priorSeen) {
      priorSeen = true;
      sigma = priorSigma;
    } else {
      const left = i > 0 ? mu - sorted[i - 1]! : sorted.length > 1 ? sorted[i + 1]! - mu : priorSigma;
      const right = i < sorted.length - 1 ? sorted[i + 1]! - mu : left;
      sigma = Math.min(priorSigma, Math.max(minSigma, left, right));
    }
    components.push({ mu, sigma, mass: mass(mu, sigma) });
  });
  const weight = 1 / components.length;

  const clampValue = (u: number): number => {
    const x = fromU(Math.min(hi, Math.max(lo, u)));
    if (!isInt) return Math.min(parameter.max, Math.max(parameter.min, x));
    return Math.min(parameter.max, Math.max(parameter.min, Math.round(x)));
  };

  return {
    sample(random) {
      const c = components[Math.min(components.length - 1, Math.floor(random.next() * components.length))]!;
      for (let attempt = 0; attempt < 64; attempt++) {
        const u = random.normal(c.mu, c.sigma);
        if (u >= lo && u <= hi) return clampValue(u);
      }
      return clampValue(random.uniform(lo, hi));
    },
    logDensity(value) {
      if (typeof value !== 'number' || !Number.isFinite(value)) return LOG_FLOOR;
      let p = 0;
      if (isInt) {
        const a = toU(Math.max(value - 0.5, parameter.min - 0.5));
        const b = toU(Math.min(value + 0.5, parameter.max + 0.5));
        for (const c of components)
          p += (weight * (normalCdf((b - c.mu) / c.sigma) - normalCdf((a - c.mu) / c.sigma))) / c.mass;
      } else {
        const u = toU(value);
        for (const c of components) {
          const z = (u - c.mu) / c.sigma;
          p += (weight * Math.exp(-0.5 * z * z)) / (c.sigma * Math.sqrt(2 * Math.PI) * c.mass);
        }
      }
      return p > 0 ? Math.max(LOG_FLOOR, Math.log(p)) : LOG_FLOOR;
    },
  };
}
