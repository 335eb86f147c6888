/**
 * Which jobs to run to fit a CPR model (pure): the reference's plan of linearly and
 * log-spaced image counts, each with a worker count drawn between 1 and images / batch size.
 */
import { Random } from '../core/random.js';
import { UserError } from '../errors.js';

/** Options of {@link samplingPlan}. */
export interface SamplingPlanOptions {
  /** Largest job, in images. */
  maxImages: number;
  /** Images per split: a job of `n` images gets at most `n / batchSize` workers. */
  batchSize: number;
  /** Smallest job (default: `batchSize`, or `maxImages` if smaller). */
  minImages?: number;
  /** Linearly spaced image counts (default 30). */
  linear?: number;
  /** Log-spaced image counts (default 30). */
  log?: number;
  /** Cap on workers, e.g. the backend's concurrency (default: none). */
  maxWorkers?: number;
  /** Seed of the worker draws (default 1). */
  seed?: number;
}

/** One job to sample. */
export interface SamplePoint {
  /** Position in the plan: a stable id for resuming (`cpr-<index>`). */
  index: number;
  images: number;
  workers: number;
  spacing: 'linear' | 'log';
}

function checkInteger(name: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min)
    throw new UserError(`${name}: expected an integer >= ${min}, got ${value}`);
}

/**
 * The plan: `linear` image counts evenly spaced from `minImages` to `maxImages`, with workers
 * drawn uniformly, then `log` counts spaced evenly on a log scale, with workers drawn
 * log-uniformly (so that small worker counts are well covered). Deterministic for a seed.
 */
export function samplingPlan(options: SamplingPlanOptions): SamplePoint[] {
  const { maxImages, batchSize } = options;
  checkInteger('maxImages', maxImages, 1);
  checkInteger('batchSize', batchSize, 1);
  const minImages = options.minImages ?? Math.min(batchSize, maxImages);
  checkInteger('minImages', minImages, 1);
  if (minImages > maxImages)
    throw new UserError(`minImages (${minImages}) is larger than maxImages (${maxImages})`);
  const linear = options.linear ?? 30;
  const log = options.log ?? 30;
  checkInteger('linear', linear, 0);
  checkInteger('log', log, 0);
  if (linear + log === 0) throw new UserError('the plan is empty: ask for linear or log-spaced samples');
  const workerCap = options.maxWorkers ?? Number.POSITIVE_INFINITY;
  if (options.maxWorkers !== undefined) checkInteger('maxWorkers', options.maxWorkers, 1);
  const random = new Random(options.seed ?? 1);
  const workerLimit = (images: number): number =>
    Math.max(1, Math.min(workerCap, Math.floor(images / batchSize)));
  const fraction = (i: number, count: number): number => (count === 1 ? 1 : i / (count - 1));

  const plan: SamplePoint[] = [];
  for (let i = 0; i < linear; i++) {
    const images = Math.round(minImages + (maxImages - minImages) * fraction(i, linear));
    plan.push({ index: plan.length, images, workers: random.int(1, workerLimit(images)), spacing: 'linear' });
  }
  const lnMin = Math.log(minImages);
  const lnMax = Math.log(maxImages);
  for (let i = 0; i < log; i++) {
    const images = Math.round(Math.exp(lnMin + (lnMax - lnMin) * fraction(i, log)));
    const limit = workerLimit(images);
    const workers = Math.min(limit, Math.max(1, Math.round(Math.exp(random.uniform(0, Math.log(limit))))));
    plan.push({ index: plan.length, images, workers, spacing: 'log' });
  }
  return plan;
}
