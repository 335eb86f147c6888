/**
 * The CPR (cost per request, i.e. per image) model (pure): how many billed seconds a job of `n`
 * images on `w` workers takes, what it costs per image, and how long it lasts.
 *
 * Seconds, the reference's form (compute seconds summed over workers, plus init seconds):
 *
 *     seconds(w, n) = exp(b2 ln n + b1 ln w + b3) + exp(a1 ln w + a0)
 *     CPR(w, n)     = seconds(w, n) x pricePerSecondUsd / n
 *
 * Latency (ours): the mean billed time per worker, scaled, plus a fixed overhead and a ramp
 * per worker started (dynamic batching keeps workers busy until the splits run out):
 *
 *     latency(w, n) = c0 + c1 x seconds(w, n) / w + c2 x w
 *
 * A model without a fitted latency uses c0 = 0, c1 = 1, c2 = 0 (perfect balance, no overhead).
 */
import * as z from 'zod';
import { intRange, numberRange, parseWithSchema } from '../util/schema.js';
import { PRECISIONS, type Precision } from './precision.js';

/** Init seconds summed over workers: `exp(a1 ln w + a0)`. */
export interface InitCoefficients {
  a0: number;
  a1: number;
}

/** Compute seconds summed over workers: `exp(b2 ln n + b1 ln w + b3)`. */
export interface ComputeCoefficients {
  b1: number;
  b2: number;
  b3: number;
}

/** Latency seconds: `c0 + c1 x seconds(w, n) / w + c2 x w`. */
export interface LatencyCoefficients {
  c0: number;
  c1: number;
  c2: number;
}

/** How well a fitted model predicts samples it was not fitted on. */
export interface FitQuality {
  /** Samples the model was fitted on. */
  samples: number;
  /** Samples predicted while held out (k-fold cross-validation: every sample once when > 3). */
  heldOut: number;
  /** How samples were held out, e.g. `5-fold`. */
  method: string;
  /** Mean absolute percentage error of the predicted CPR on held-out samples. */
  mapeCpr: number | null;
  /** Mean absolute percentage error of the predicted latency on held-out samples. */
  mapeLatency: number | null;
  /** Root mean square error of ln(seconds) on held-out samples. */
  rmseLogSeconds: number | null;
  /** The range the samples covered: predictions outside it are extrapolations. */
  images: [number, number];
  workers: [number, number];
}

/**
 * A CPR model as written by `obifaas cpr fit` (`cpr-model.json`):
 *
 * ```json
 * { "version": 1, "form": "obifaas-cpr-v1", "memoryMb": 3008, "pricePerSecondUsd": 4.896e-5,
 *   "init": { "a0": 1.61964, "a1": 0.99926 },
 *   "compute": { "b1": 0.17423, "b2": 0.79864, "b3": -0.76546 },
 *   "latency": { "c0": 3.1, "c1": 1.02, "c2": 0.01 },
 *   "fit": { "samples": 60, "heldOut": 60, "method": "5-fold", "mapeCpr": 0.08, ... } }
 * ```
 *
 * `latency`, `fit`, `memoryMb` and `pricePerSecondUsd` are optional. {@link parseCprModel} also
 * reads the reference's layout: `{"init": {"coef": [a1], "intercept": a0},
 * "acc": {"coef_i": b2, "coef_f": b1, "intercept": b3}}`.
 */
export interface CprModel {
  version: 1;
  form: 'obifaas-cpr-v1';
  /** Function memory the samples ran with. */
  memoryMb?: number;
  /** Dollars per function-second at that memory. */
  pricePerSecondUsd?: number;
  /** The precision of the model the samples ran (absent: not recorded, float32 in practice). */
  precision?: Precision;
  init: InitCoefficients;
  compute: ComputeCoefficients;
  latency?: LatencyCoefficients;
  fit?: FitQuality;
}

/** The latency used when a model has none fitted: the mean billed time per worker. */
export const DEFAULT_LATENCY: LatencyCoefficients = Object.freeze({ c0: 0, c1: 1, c2: 0 });

/** The reference's coefficients (ResNet50, 3008 MB, Lambda x86_64). */
export const REFERENCE_CPR_MODEL: CprModel = Object.freeze({
  version: 1,
  form: 'obifaas-cpr-v1',
  memoryMb: 3008,
  init: Object.freeze({ a0: 1.61964, a1: 0.99926 }),
  compute: Object.freeze({ b1: 0.17423, b2: 0.79864, b3: -0.76546 }),
}) as CprModel;

/** Init seconds summed over `workers`. */
export function predictInitSeconds(model: CprModel, workers: number): number {
  return Math.exp(model.init.a1 * Math.log(workers) + model.init.a0);
}

/** Compute seconds summed over `workers` for `images`. */
export function predictComputeSeconds(model: CprModel, workers: number, images: number): number {
  const { b1, b2, b3 } = model.compute;
  return Math.exp(b2 * Math.log(images) + b1 * Math.log(workers) + b3);
}

/** Billed seconds (compute plus init) summed over `workers`. */
export function predictSeconds(model: CprModel, workers: number, images: number): number {
  return predictComputeSeconds(model, workers, images) + predictInitSeconds(model, workers);
}

/** Dollars per image. */
export function predictCpr(
  model: CprModel,
  workers: number,
  images: number,
  pricePerSecondUsd: number,
): number {
  return (predictSeconds(model, workers, images) * pricePerSecondUsd) / images;
}

/** Seconds from the first submit to the last result. */
export function predictLatency(model: CprModel, workers: number, images: number): number {
  const { c0, c1, c2 } = model.latency ?? DEFAULT_LATENCY;
  return c0 + (c1 * predictSeconds(model, workers, images)) / workers + c2 * workers;
}

const finite = z.number();
const positive = numberRange({ min: 0, exclusive: true });
const range = z.tuple([finite, finite]);

/** `cpr-model.json` as `obifaas cpr fit` writes it (a file of ours: unknown keys are errors). */
const ourLayout = z.strictObject({
  $comment: z.string().optional(),
  version: z.literal(1).optional(),
  form: z.literal('obifaas-cpr-v1').optional(),
  memoryMb: positive.optional(),
  pricePerSecondUsd: positive.optional(),
  precision: z.enum(PRECISIONS).optional(),
  init: z.strictObject({ a0: finite, a1: finite }),
  compute: z.strictObject({ b1: finite, b2: finite, b3: finite }),
  latency: z.strictObject({ c0: finite, c1: finite, c2: finite }).optional(),
  fit: z
    .strictObject({
      samples: intRange(0),
      heldOut: intRange(0),
      method: z.string(),
      mapeCpr: finite.nullable(),
      mapeLatency: finite.nullable(),
      rmseLogSeconds: finite.nullable(),
      images: range,
      workers: range,
    })
    .optional(),
});

/** A number, or a one-element list of one (scikit-learn writes `coef` as a list). */
const coefficient = z.union([finite, z.tuple([finite])], {
  error: 'expected a number or a list of one number',
});

/** The reference's `cpr_model.json`. */
const referenceLayout = z.strictObject({
  $comment: z.string().optional(),
  memoryMb: positive.optional(),
  pricePerSecondUsd: positive.optional(),
  init: z.strictObject({ coef: coefficient, intercept: finite }),
  acc: z.strictObject({ coef_i: finite, coef_f: finite, intercept: finite }),
});

const single = (c: number | [number]): number => (Array.isArray(c) ? c[0] : c);

/**
 * Reads a CPR model from parsed JSON, in our layout or the reference's (the one with `acc`).
 * Throws a `SpecError` (a `UserError`) naming `source` and every bad field.
 */
export function parseCprModel(json: unknown, source = 'CPR model'): CprModel {
  const what = `invalid CPR model ${source}`;
  const reference = typeof json === 'object' && json !== null && Object.hasOwn(json, 'acc');
  if (reference) {
    const r = parseWithSchema(referenceLayout, json, what);
    return {
      version: 1,
      form: 'obifaas-cpr-v1',
      ...(r.memoryMb !== undefined ? { memoryMb: r.memoryMb } : {}),
      ...(r.pricePerSecondUsd !== undefined ? { pricePerSecondUsd: r.pricePerSecondUsd } : {}),
      init: { a0: r.init.intercept, a1: single(r.init.coef) },
      compute: { b1: r.acc.coef_f, b2: r.acc.coef_i, b3: r.acc.intercept },
    };
  }
  const { $comment: _comment, ...model } = parseWithSchema(ourLayout, json, what);
  return { ...model, version: 1, form: 'obifaas-cpr-v1' };
}
