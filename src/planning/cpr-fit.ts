/**
 * Fitting the CPR model from sampled jobs (pure): least squares on logarithms, as the reference
 * did in a notebook, plus a latency fit and an error measured on held-out samples.
 */
import { pricePerSecondUsd as priceFor, LAMBDA_PRICES } from '../core/pricing.js';
import { Random } from '../core/random.js';
import { UserError } from '../errors.js';
import { assertCprSamples, type CprSample } from './cpr-records.js';
import {
  predictCpr,
  predictLatency,
  predictSeconds,
  type CprModel,
  type FitQuality,
  type LatencyCoefficients,
} from './cpr-model.js';
import { leastSquares, nonNegativeLeastSquares } from './least-squares.js';

/** Options of {@link fitCprModel}. */
export interface CprFitOptions {
  /** Dollars per function-second; default: Lambda x86_64 at the samples' memory. */
  pricePerSecondUsd?: number;
  /** Number of cross-validation folds (default 5, at most the number of samples). */
  folds?: number;
  /** Seed of the shuffle that assigns samples to folds (default 1). */
  seed?: number;
}

/** Fewest samples a fit accepts: the compute fit has three parameters. */
export const MIN_FIT_SAMPLES = 3;

type Coefficients = Pick<CprModel, 'init' | 'compute' | 'latency'>;

/** Fits the three parts on `samples`; throws UserError when they do not pin a part down. */
function fitParts(samples: readonly CprSample[]): Coefficients {
  const lnW = samples.map((s) => Math.log(s.workers));
  const lnN = samples.map((s) => Math.log(s.images));
  const init = leastSquares(
    lnW.map((w) => [w, 1]),
    samples.map((s) => Math.log(s.initSeconds)),
  );
  if (!init.fullRank) {
    throw new UserError(
      `every sample uses ${samples[0]?.workers} worker(s): cannot fit how init time grows with workers; sample other worker counts`,
    );
  }
  const compute = leastSquares(
    samples.map((_, i) => [lnN[i]!, lnW[i]!, 1]),
    samples.map((s) => Math.log(s.computeSeconds)),
  );
  if (!compute.fullRank) {
    throw new UserError(
      'images and workers do not vary independently in the samples: cannot fit compute time; sample more (images, workers) pairs',
    );
  }
  const parts: Coefficients = {
    init: { a0: init.coefficients[1]!, a1: init.coefficients[0]! },
    compute: { b1: compute.coefficients[1]!, b2: compute.coefficients[0]!, b3: compute.coefficients[2]! },
  };
  parts.latency = fitLatency(samples, parts);
  return parts;
}

/**
 * Latency = c0 + c1 x seconds(w, n) / w + c2 x w, with c >= 0, fitted on relative errors
 * (each row divided by the measured latency) so that short and long jobs weigh alike.
 */
function fitLatency(samples: readonly CprSample[], parts: Coefficients): LatencyCoefficients {
  const model = { version: 1, form: 'obifaas-cpr-v1', ...parts } as CprModel;
  const rows = samples.map((s) => {
    const perWorker = predictSeconds(model, s.workers, s.images) / s.workers;
    return [1 / s.latencySeconds, perWorker / s.latencySeconds, s.workers / s.latencySeconds];
  });
  const fit = nonNegativeLeastSquares(
    rows,
    samples.map(() => 1),
  );
  return { c0: fit.coefficients[0]!, c1: fit.coefficients[1]!, c2: fit.coefficients[2]! };
}

/** The measured cost per image: the recorded cost, or billed seconds at the price. */
export function measuredCpr(sample: CprSample, pricePerSecondUsd: number): number {
  if (sample.costUsd !== undefined && sample.costUsd > 0) return sample.costUsd / sample.images;
  return ((sample.computeSeconds + sample.initSeconds) * pricePerSecondUsd) / sample.images;
}

function shuffledIndexes(count: number, seed: number): number[] {
  const order = Array.from({ length: count }, (_, i) => i);
  const random = new Random(seed);
  for (let i = count - 1; i > 0; i--) {
    const j = random.int(0, i);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}

function mean(values: readonly number[]): number | null {
  return values.length === 0 ? null : values.reduce((s, v) => s + v, 0) / values.length;
}

/** k-fold cross-validation: each sample predicted by a model fitted without its fold. */
function crossValidate(
  samples: readonly CprSample[],
  price: number,
  folds: number,
  seed: number,
): Pick<FitQuality, 'heldOut' | 'method' | 'mapeCpr' | 'mapeLatency' | 'rmseLogSeconds'> {
  const k = Math.min(folds, samples.length);
  if (k < 2 || samples.length - Math.ceil(samples.length / k) < MIN_FIT_SAMPLES) {
    return {
      heldOut: 0,
      method: 'none (too few samples)',
      mapeCpr: null,
      mapeLatency: null,
      rmseLogSeconds: null,
    };
  }
  const order = shuffledIndexes(samples.length, seed);
  const cprErrors: number[] = [];
  const latencyErrors: number[] = [];
  const logErrors: number[] = [];
  for (let fold = 0; fold < k; fold++) {
    const test = order.filter((_, pos) => pos % k === fold).map((i) => samples[i]!);
    const train = order.filter((_, pos) => pos % k !== fold).map((i) => samples[i]!);
    let parts: Coefficients;
    try {
      parts = fitParts(train);
    } catch (err) {
      if (err instanceof UserError) continue; // this fold's training set cannot pin the model down
      throw err;
    }
    const model = { version: 1, form: 'obifaas-cpr-v1', ...parts } as CprModel;
    for (const s of test) {
      const actualCpr = measuredCpr(s, price);
      cprErrors.push(Math.abs(predictCpr(model, s.workers, s.images, price) - actualCpr) / actualCpr);
      latencyErrors.push(
        Math.abs(predictLatency(model, s.workers, s.images) - s.latencySeconds) / s.latencySeconds,
      );
      const actualSeconds = s.computeSeconds + s.initSeconds;
      logErrors.push((Math.log(predictSeconds(model, s.workers, s.images)) - Math.log(actualSeconds)) ** 2);
    }
  }
  const msLog = mean(logErrors);
  return {
    heldOut: cprErrors.length,
    method: `${k}-fold`,
    mapeCpr: mean(cprErrors),
    mapeLatency: mean(latencyErrors),
    rmseLogSeconds: msLog === null ? null : Math.sqrt(msLog),
  };
}

/**
 * Fits a CPR model to sampled jobs, all at one memory size. Refuses (UserError) fewer than
 * {@link MIN_FIT_SAMPLES} samples, bad records (naming index and field), mixed memory sizes,
 * and samples that do not vary images and workers independently. The returned model is fitted
 * on all samples; `fit` reports its error under k-fold cross-validation.
 */
export function fitCprModel(samples: readonly unknown[], options: CprFitOptions = {}): CprModel {
  if (samples.length < MIN_FIT_SAMPLES) {
    throw new UserError(
      `cannot fit a CPR model from ${samples.length} sample(s): need at least ${MIN_FIT_SAMPLES} ` +
        '(and more to measure its error on held-out samples); run `obifaas cpr sample` first',
    );
  }
  assertCprSamples(samples);
  const memories = [...new Set(samples.map((s) => s.memoryMb))];
  if (memories.length > 1) {
    throw new UserError(
      `samples mix memory sizes (${memories.join(', ')} MB): a CPR model is for one memory size; fit each apart`,
    );
  }
  const memoryMb = memories[0]!;
  const price = options.pricePerSecondUsd ?? priceFor(LAMBDA_PRICES.x86_64, memoryMb);
  if (!Number.isFinite(price) || price <= 0)
    throw new UserError(`pricePerSecondUsd: expected a number > 0, got ${price}`);
  const parts = fitParts(samples);
  const quality = crossValidate(samples, price, options.folds ?? 5, options.seed ?? 1);
  const images = samples.map((s) => s.images);
  const workers = samples.map((s) => s.workers);
  return {
    version: 1,
    form: 'obifaas-cpr-v1',
    memoryMb,
    pricePerSecondUsd: price,
    ...parts,
    fit: {
      samples: samples.length,
      ...quality,
      images: [Math.min(...images), Math.max(...images)],
      workers: [Math.min(...workers), Math.max(...workers)],
    },
  };
}
