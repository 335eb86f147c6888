/**
 * What `obifaas optimize` maximises or minimises (pure). A trial runs one batch on one worker;
 * its measurement is the batch's compute time: the invocation's billed time minus the model
 * load of its cold start. The cold start is left out because a worker pays it once, while the
 * settings decide the time of every batch it runs.
 *
 * - `throughput`: images / compute seconds (images per second; maximise).
 * - `cost-per-image`: the batch's cost / images, the cost being `summarizeCost` of the compute
 *   time at the trial's memory (GB-seconds and one request; minimise).
 * - `throughput-per-dollar`: (images per second) / (dollars per second) = images / cost, i.e.
 *   images per dollar (maximise). The reference's objective.
 */
import { pricePerSecondUsd, summarizeCost, type PriceModel } from '../core/pricing.js';
import { UserError } from '../errors.js';
import type { Direction } from './optimizer.js';

/** The objectives `optimize` offers. */
export type ObjectiveName = 'throughput-per-dollar' | 'cost-per-image' | 'throughput';

/** How an objective is read. */
export interface ObjectiveInfo {
  direction: Direction;
  unit: string;
}

export const OBJECTIVES: Readonly<Record<ObjectiveName, ObjectiveInfo>> = Object.freeze({
  'throughput-per-dollar': { direction: 'maximize', unit: 'images per dollar' },
  'cost-per-image': { direction: 'minimize', unit: 'dollars per image' },
  throughput: { direction: 'maximize', unit: 'images per second' },
});

/** The objective names, for messages and help. */
export const OBJECTIVE_NAMES = Object.keys(OBJECTIVES) as ObjectiveName[];

/** Checks an objective name; throws {@link UserError} listing the choices. */
export function parseObjective(value: string, flag = '--objective'): ObjectiveName {
  if (!(OBJECTIVE_NAMES as string[]).includes(value)) {
    throw new UserError(
      `${flag}: unknown objective '${value}'; expected one of: ${OBJECTIVE_NAMES.join(', ')}`,
    );
  }
  return value as ObjectiveName;
}

/** What a trial measured. */
export interface TrialMeasurement {
  images: number;
  /** The batch's compute seconds (billed time without the cold start's model load). */
  computeSeconds: number;
  /** Memory the trial is priced at, MB. */
  memoryMb: number;
}

/** A trial's numbers under every objective, and the chosen one's value. */
export interface TrialScore {
  /** The chosen objective's value; null when the measurement cannot give one. */
  value: number | null;
  imagesPerSecond: number;
  costUsd: number;
  costPerImageUsd: number;
  imagesPerDollar: number | null;
  pricePerSecondUsd: number;
}

/** Scores a measurement under `objective` at `prices`. */
export function scoreTrial(
  objective: ObjectiveName,
  measurement: TrialMeasurement,
  prices: PriceModel,
): TrialScore {
  const { images, computeSeconds, memoryMb } = measurement;
  const valid = Number.isFinite(computeSeconds) && computeSeconds > 0 && images > 0;
  const seconds = valid ? computeSeconds : 0;
  const cost = summarizeCost(
    [{ billedMs: seconds * 1000, initMs: 0, memoryMb }],
    Math.max(0, images),
    prices,
  );
  const imagesPerSecond = valid ? images / computeSeconds : 0;
  const imagesPerDollar = cost.costUsd > 0 ? images / cost.costUsd : null;
  const byName: Record<ObjectiveName, number | null> = {
    throughput: valid ? imagesPerSecond : null,
    'cost-per-image': valid ? cost.cprUsd : null,
    'throughput-per-dollar': valid ? imagesPerDollar : null,
  };
  return {
    value: byName[objective],
    imagesPerSecond,
    costUsd: cost.costUsd,
    costPerImageUsd: cost.cprUsd,
    imagesPerDollar,
    pricePerSecondUsd: pricePerSecondUsd(prices, memoryMb),
  };
}
