/**
 * A job's throughput over time (pure): images finished within a moving window, divided by its
 * length. Results arrive one split at a time, so a rate per short bin jumps between 0 and a peak;
 * the window is sized to the split cadence: twice the median time a split took (from its first
 * attempt's start to its result), so that each window holds the results of every worker, and at
 * least {@link RESULTS_PER_WINDOW} times the mean gap between results, so that the count in a
 * window is not left to chance.
 */
import { median } from '../../core/median.js';
import type { SplitRecord } from '../../manager/types.js';
import type { PlotPoint } from '../svg/plot.js';

/** Points the rate is drawn at, evenly over the job. */
export const THROUGHPUT_POINTS = 120;
/** Split run times per window. */
const SPLITS_PER_WINDOW = 2;
/** Results a window holds on average, at least. */
export const RESULTS_PER_WINDOW = 10;

/** The throughput line and the window it was measured over. */
export interface Throughput {
  /** Images per second at each time (seconds after the first submit). */
  rate: PlotPoint[];
  /** The window's length, seconds (the job's length at most). */
  windowSeconds: number;
}

/**
 * Images per second at each time: the images whose split's result arrived in the window that ends
 * then, divided by the window's length (a moving average: it rises from 0 over the first window).
 */
export function throughput(finished: readonly SplitRecord[], t0: number, spanSeconds: number): Throughput {
  const results = finished.flatMap((s) =>
    s.endedAt !== null && Number.isFinite(s.endedAt)
      ? [{ at: (s.endedAt - t0) / 1000, images: s.inputs }]
      : [],
  );
  const runSeconds = finished.flatMap((s) =>
    s.startedAt !== null && s.endedAt !== null && s.endedAt > s.startedAt
      ? [(s.endedAt - s.startedAt) / 1000]
      : [],
  );
  const span = Math.max(1e-3, spanSeconds);
  const times = results.map((r) => r.at);
  const meanGap = times.length > 1 ? (Math.max(...times) - Math.min(...times)) / (times.length - 1) : span;
  const windowSeconds = Math.min(
    span,
    Math.max(span / 30, SPLITS_PER_WINDOW * (median(runSeconds) ?? span), RESULTS_PER_WINDOW * meanGap),
  );
  const rate: PlotPoint[] = [];
  for (let i = 0; i <= THROUGHPUT_POINTS; i++) {
    const x = (span * i) / THROUGHPUT_POINTS;
    const images = results.reduce((n, r) => (r.at > x - windowSeconds && r.at <= x ? n + r.images : n), 0);
    rate.push({ x, y: images / windowSeconds });
  }
  return { rate, windowSeconds };
}
