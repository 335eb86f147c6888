/**
 * How much one job's invocations differ among themselves (pure): each invocation that predicted
 * images is priced on its own (cost per image) and timed on its own (images per second of the
 * function's run), and the middle half of those values (25th to 75th percentile) is the job's
 * spread. On a loaded machine one run's figures move with the load; a difference between two
 * jobs smaller than the spread of their own invocations is not taken as a winner.
 */
import { median, quantile } from '../../core/median.js';
import { summarizeCost } from '../../core/pricing.js';
import type { JobRecord } from '../../manager/types.js';
import type { ComparedSpreads, InvocationSpread } from './job-comparison.js';

/** Invocations a job needs for its spread to mean something (quartiles of fewer are guesses). */
const MIN_SPREAD_INVOCATIONS = 4;

/** The invocations of a record that predicted images in a measured run (not estimated ones). */
function measured(record: JobRecord): Array<JobRecord['invocations'][number] & { images: number }> {
  return record.invocations.flatMap((inv) => {
    const images = inv.timings?.images ?? 0;
    return inv.ok && inv.estimated !== true && images > 0 && inv.durationMs > 0 ? [{ ...inv, images }] : [];
  });
}

/** The spread of `values`; null for fewer than {@link MIN_SPREAD_INVOCATIONS}. */
function spreadOf(values: readonly number[]): InvocationSpread | null {
  if (values.length < MIN_SPREAD_INVOCATIONS) return null;
  return {
    invocations: values.length,
    median: median(values)!,
    low: quantile(values, 0.25)!,
    high: quantile(values, 0.75)!,
  };
}

/** The spreads of each invocation's cost per image and images per second, in A and B. */
export function compareSpreads(a: JobRecord, b: JobRecord): ComparedSpreads {
  const costs = (r: JobRecord): number[] =>
    measured(r).map((inv) => summarizeCost([inv], inv.images, r.spec.prices).costUsd / inv.images);
  const rates = (r: JobRecord): number[] => measured(r).map((inv) => inv.images / (inv.durationMs / 1000));
  return {
    costPerImageUsd: { a: spreadOf(costs(a)), b: spreadOf(costs(b)) },
    imagesPerSecond: { a: spreadOf(rates(a)), b: spreadOf(rates(b)) },
  };
}

/**
 * The spread a difference between A and B is weighed against: the wider of the two jobs' middle
 * halves, as a share of its median (0.3: the middle half of its invocations spans 30 % of their
 * median); null unless both jobs have a spread.
 */
export function relativeSpread(spreads: ComparedSpreads[keyof ComparedSpreads]): number | null {
  const { a, b } = spreads;
  if (!a || !b || a.median <= 0 || b.median <= 0) return null;
  return Math.max((a.high - a.low) / a.median, (b.high - b.low) / b.median);
}
