/**
 * How sure a difference between two jobs is (pure). The headline ratio B / A is the whole job's
 * (cost per image, images per second); how far it could move by chance is read from the jobs'
 * own invocations, by a bootstrap with a fixed seed (the same folders give the same answer):
 *
 * - each side's invocations that predicted images in a measured run are resampled with
 *   replacement, those that loaded the model (cold) apart from the warm ones, since how many
 *   load the model is fixed by the job's plan and not by chance;
 * - each resample's pooled figure (Σ cost / Σ images, Σ images / Σ run seconds) is divided by the
 *   side's own, and the headline ratio is scaled by B's factor / A's factor;
 * - the 2.5th and 97.5th percentiles of that are a 95 % interval of the ratio. A winner is named
 *   only when the whole interval lies on one side of 1.
 *
 * A side with fewer than {@link MIN_JUDGED_INVOCATIONS} such invocations cannot be judged, nor one
 * with a single cold or a single warm one (whose variation cannot be seen, so it is held as it is)
 * beside fewer than {@link MIN_JUDGED_INVOCATIONS} of the other kind: the ratio is still given,
 * with "not enough invocations to judge the spread".
 */
import { quantile } from '../../core/median.js';
import { summarizeCost } from '../../core/pricing.js';
import { Random } from '../../core/random.js';
import type { JobRecord } from '../../manager/types.js';
import type { ComparedIntervals, RatioInterval } from './job-comparison.js';

/** Invocations a side needs (that predicted images) for its variation to be judged. */
export const MIN_JUDGED_INVOCATIONS = 4;
/** Resamples drawn; enough for the 2.5th and 97.5th percentiles to settle. */
export const BOOTSTRAP_RESAMPLES = 2000;
/** The seed of the resampling: the same two folders always give the same interval. */
const BOOTSTRAP_SEED = 20_240_607;

/** One invocation's share of a pooled figure. */
interface Measured {
  cold: boolean;
  images: number;
  runSeconds: number;
  costUsd: number;
}

/** The invocations of a record that predicted images in a measured run (not estimated ones). */
function measured(record: JobRecord): Measured[] {
  return record.invocations.flatMap((inv) => {
    const images = inv.timings?.images ?? 0;
    if (!inv.ok || inv.estimated === true || images <= 0 || inv.durationMs <= 0) return [];
    const costUsd = summarizeCost([inv], images, record.spec.prices).costUsd;
    return [{ cold: inv.cold, images, runSeconds: inv.durationMs / 1000, costUsd }];
  });
}

/** The sums a pooled figure is made of, over a side's invocations or one resample of them. */
interface Sums {
  images: number;
  runSeconds: number;
  costUsd: number;
}
type Pooled = (sums: Sums) => number;
const pooledCostPerImage: Pooled = (s) => s.costUsd / s.images;
const pooledImagesPerSecond: Pooled = (s) => s.images / s.runSeconds;

/** Whether a side has too few invocations to be judged (see the module's comment). */
function tooFew(sample: readonly Measured[]): boolean {
  const cold = sample.filter((m) => m.cold).length;
  const warm = sample.length - cold;
  const lone = (n: number, other: number): boolean => n === 1 && other < MIN_JUDGED_INVOCATIONS;
  return sample.length < MIN_JUDGED_INVOCATIONS || lone(cold, warm) || lone(warm, cold);
}

/** A side's invocations, the cold ones apart from the warm ones. */
type Strata = readonly [readonly Measured[], readonly Measured[]];
const strataOf = (sample: readonly Measured[]): Strata => [
  sample.filter((m) => m.cold),
  sample.filter((m) => !m.cold),
];

/**
 * The sums of one resample of a side: its cold and its warm invocations each drawn with
 * replacement, summed as drawn (no array of the resample is made: a job may have 100,000).
 */
function resampledSums(strata: Strata, random: Random): Sums {
  const sums = { images: 0, runSeconds: 0, costUsd: 0 };
  for (const stratum of strata)
    for (let i = 0; i < stratum.length; i++) {
      const m = stratum[random.int(0, stratum.length - 1)]!;
      sums.images += m.images;
      sums.runSeconds += m.runSeconds;
      sums.costUsd += m.costUsd;
    }
  return sums;
}

/** The sums over a side's own invocations, in the order a resample sums them. */
function ownSums(strata: Strata): Sums {
  const sums = { images: 0, runSeconds: 0, costUsd: 0 };
  for (const stratum of strata)
    for (const m of stratum) {
      sums.images += m.images;
      sums.runSeconds += m.runSeconds;
      sums.costUsd += m.costUsd;
    }
  return sums;
}

/** The 95 % interval of `ratio` (B / A) from resampling both sides' invocations. */
function intervalOf(
  ratio: number | null,
  a: readonly Measured[],
  b: readonly Measured[],
  pooled: Pooled,
): RatioInterval {
  const invocations = { a: a.length, b: b.length };
  if (ratio === null || tooFew(a) || tooFew(b)) return { invocations, low: null, high: null };
  const [strataA, strataB] = [strataOf(a), strataOf(b)];
  const [ownA, ownB] = [pooled(ownSums(strataA)), pooled(ownSums(strataB))];
  const judged = (x: number): boolean => x > 0 && Number.isFinite(x);
  if (!judged(ownA) || !judged(ownB)) return { invocations, low: null, high: null };
  const random = new Random(BOOTSTRAP_SEED);
  const ratios: number[] = [];
  for (let i = 0; i < BOOTSTRAP_RESAMPLES; i++) {
    const factorA = pooled(resampledSums(strataA, random)) / ownA;
    const factorB = pooled(resampledSums(strataB, random)) / ownB;
    ratios.push((ratio * factorB) / factorA);
  }
  const [low, high] = [quantile(ratios, 0.025)!, quantile(ratios, 0.975)!];
  // Figures so far apart that a resample overflows (a forged record) bear out no interval.
  if (!Number.isFinite(low) || !Number.isFinite(high)) return { invocations, low: null, high: null };
  return { invocations, low, high };
}

/**
 * The 95 % intervals of B / A for cost per image and images per second, given the whole jobs'
 * ratios (`figures`).
 */
export function compareIntervals(
  a: JobRecord,
  b: JobRecord,
  ratios: { costPerImageUsd: number | null; imagesPerSecond: number | null },
): ComparedIntervals {
  const [ma, mb] = [measured(a), measured(b)];
  return {
    costPerImageUsd: intervalOf(ratios.costPerImageUsd, ma, mb, pooledCostPerImage),
    imagesPerSecond: intervalOf(ratios.imagesPerSecond, ma, mb, pooledImagesPerSecond),
  };
}
