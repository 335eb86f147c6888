/**
 * A function profile from measurements (pure): split durations observed on real workers (a
 * replay's job records, a worker benchmark) and their cold-start times. Fits
 * `seconds = overhead + images x secondsPerImage` by least squares (through the origin when the
 * intercept would be negative or all splits have the same size), takes the median init time,
 * and the spread of the measurements around the fit as `serviceTimeCv`.
 */
import type { PriceOverrides } from '../core/pricing.js';
import { UserError } from '../errors.js';
import type { FunctionProfileInput } from './profile.js';
import { median } from '../core/median.js';

/** One measured split: its images and how long the worker took for it. */
export interface SplitSample {
  images: number;
  seconds: number;
}

export interface ProfileMeasurements {
  name: string;
  memoryMb: number;
  /** Split size to state the per-split time for. */
  splitSize: number;
  concurrencyLimit: number;
  splits: readonly SplitSample[];
  /** Cold-start (init) seconds of the invocations that had one. */
  initSeconds: readonly number[];
  prices?: PriceOverrides;
  worker?: Record<string, unknown>;
}

/** The profile the measurements imply. Throws {@link UserError} without usable split samples. */
export function fitProfile(m: ProfileMeasurements): FunctionProfileInput {
  const splits = m.splits.filter((s) => s.images > 0 && Number.isFinite(s.seconds) && s.seconds >= 0);
  if (splits.length === 0) throw new UserError(`profile ${m.name}: no split measurements to fit`);
  const n = splits.length;
  const mx = splits.reduce((a, s) => a + s.images, 0) / n;
  const my = splits.reduce((a, s) => a + s.seconds, 0) / n;
  const sxx = splits.reduce((a, s) => a + (s.images - mx) ** 2, 0);
  const sxy = splits.reduce((a, s) => a + (s.images - mx) * (s.seconds - my), 0);
  let perImage: number;
  let overhead = 0;
  if (sxx > 0 && sxy > 0 && my - (sxy / sxx) * mx >= 0) {
    perImage = sxy / sxx;
    overhead = my - perImage * mx;
  } else {
    // Through the origin: least squares of seconds = images x perImage.
    perImage =
      splits.reduce((a, s) => a + s.images * s.seconds, 0) / splits.reduce((a, s) => a + s.images ** 2, 0);
  }
  perImage = Math.max(perImage, 1e-9);
  const ratios = splits.map((s) => s.seconds / (overhead + perImage * s.images));
  const meanRatio = ratios.reduce((a, r) => a + r, 0) / n;
  const cv =
    n > 1 ? Math.sqrt(ratios.reduce((a, r) => a + (r - meanRatio) ** 2, 0) / (n - 1)) / meanRatio : 0;
  return {
    name: m.name,
    memoryMb: m.memoryMb,
    splitSize: m.splitSize,
    secondsPerSplit: perImage * m.splitSize,
    perSplitOverheadSeconds: overhead,
    initSeconds: median(m.initSeconds) ?? 0,
    concurrencyLimit: m.concurrencyLimit,
    serviceTimeCv: Math.min(10, cv),
    ...(m.prices ? { prices: m.prices } : {}),
    ...(m.worker ? { worker: m.worker } : {}),
    notes: `fitted from ${n} split(s) and ${m.initSeconds.length} cold start(s)`,
  };
}
