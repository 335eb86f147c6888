/**
 * Whether a plan predicts beyond what its CPR model was sampled on (pure): the image count and the
 * chosen worker count against the ranges the model file records (`fit.images`, `fit.workers`,
 * written by `obifaas cpr fit`), and by how much, as a factor of the nearest sampled bound.
 */
import type { CprModel } from './cpr-model.js';

/** How far one value lies outside its sampled range. */
export interface OutsideSamples {
  value: number;
  /** The range the samples covered. */
  sampled: [number, number];
  /**
   * How many times beyond the nearest bound: `value / max` above the range, `min / value` below
   * it (always > 1).
   */
  factor: number;
  direction: 'above' | 'below';
}

/** What `plan` says about extrapolation (`plan --json`'s `extrapolation`). */
export interface Extrapolation {
  /**
   * The ranges the model's samples covered, as its file records them (`fit`); null for a model
   * that records none (the reference's), whose extrapolation cannot be checked.
   */
  sampled: { images: [number, number]; workers: [number, number] } | null;
  /** The image count, where outside the sampled images; null inside or where not known. */
  images: OutsideSamples | null;
  /** The chosen worker count, where outside the sampled workers; null inside or where not known. */
  workers: OutsideSamples | null;
}

function outside(value: number, sampled: [number, number]): OutsideSamples | null {
  const [min, max] = sampled;
  if (value > max) return { value, sampled, factor: value / max, direction: 'above' };
  if (value < min) return { value, sampled, factor: min / value, direction: 'below' };
  return null;
}

/** How far a plan of `images` on `workers` lies outside what `model` was sampled on. */
export function extrapolationOf(model: CprModel, images: number, workers: number): Extrapolation {
  const fit = model.fit;
  if (!fit) return { sampled: null, images: null, workers: null };
  return {
    sampled: { images: fit.images, workers: fit.workers },
    images: outside(images, fit.images),
    workers: outside(workers, fit.workers),
  };
}

/** `3.2×`, `12×`. */
export const times = (factor: number): string => `${factor < 10 ? factor.toFixed(1) : Math.round(factor)}×`;

/**
 * `23 workers is 12× the most the model was sampled on (1..2 workers): ...`, or `... 3.2× below
 * the fewest ...`, for one value outside its sampled range.
 */
export function outsideText(o: OutsideSamples, unit: string): string {
  const [min, max] = o.sampled;
  const howFar =
    o.direction === 'above' ? `${times(o.factor)} the most` : `${times(o.factor)} below the fewest`;
  return `${o.value} ${unit} is ${howFar} the model was sampled on (${min}..${max} ${unit}): the prediction extrapolates`;
}

/** The warnings of an extrapolation, one per value outside its sampled range. */
export function extrapolationWarnings(e: Extrapolation): string[] {
  return [
    ...(e.images ? [outsideText(e.images, 'images')] : []),
    ...(e.workers ? [outsideText(e.workers, 'workers')] : []),
  ];
}
