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
import { UserError } from '../errors.js';

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

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Reads a number, or a one-element array of one (scikit-learn writes `coef` as an array). */
function numberAt(obj: Json, key: string, path: string, problems: string[]): number {
  let v = obj[key];
  if (Array.isArray(v) && v.length === 1) v = v[0];
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    problems.push(
      `${path}.${key}: expected a number${v === undefined ? ', missing' : `, got ${JSON.stringify(v)}`}`,
    );
    return Number.NaN;
  }
  return v;
}

function optionalPositive(obj: Json, key: string, problems: string[]): number | undefined {
  if (obj[key] === undefined) return undefined;
  const v = obj[key];
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
    problems.push(`${key}: expected a number > 0, got ${JSON.stringify(v)}`);
    return undefined;
  }
  return v;
}

/**
 * Reads a CPR model from parsed JSON, in our layout or the reference's. Throws
 * {@link UserError} naming `source` and every bad field.
 */
export function parseCprModel(json: unknown, source = 'CPR model'): CprModel {
  const problems: string[] = [];
  if (!isObject(json)) throw new UserError(`${source}: expected a JSON object`);
  let model: CprModel;
  if (isObject(json.acc)) {
    const init = isObject(json.init) ? json.init : (problems.push('init: expected an object'), {});
    model = {
      version: 1,
      form: 'obifaas-cpr-v1',
      init: {
        a0: numberAt(init, 'intercept', 'init', problems),
        a1: numberAt(init, 'coef', 'init', problems),
      },
      compute: {
        b1: numberAt(json.acc, 'coef_f', 'acc', problems),
        b2: numberAt(json.acc, 'coef_i', 'acc', problems),
        b3: numberAt(json.acc, 'intercept', 'acc', problems),
      },
    };
  } else {
    if (json.form !== undefined && json.form !== 'obifaas-cpr-v1') {
      problems.push(`form: expected 'obifaas-cpr-v1', got ${JSON.stringify(json.form)}`);
    }
    if (json.version !== undefined && json.version !== 1)
      problems.push(`version: expected 1, got ${JSON.stringify(json.version)}`);
    const init = isObject(json.init)
      ? json.init
      : (problems.push('init: expected an object with a0, a1'), {});
    const compute = isObject(json.compute)
      ? json.compute
      : (problems.push('compute: expected an object with b1, b2, b3'), {});
    model = {
      version: 1,
      form: 'obifaas-cpr-v1',
      init: { a0: numberAt(init, 'a0', 'init', problems), a1: numberAt(init, 'a1', 'init', problems) },
      compute: {
        b1: numberAt(compute, 'b1', 'compute', problems),
        b2: numberAt(compute, 'b2', 'compute', problems),
        b3: numberAt(compute, 'b3', 'compute', problems),
      },
    };
    if (json.latency !== undefined) {
      if (!isObject(json.latency)) problems.push('latency: expected an object with c0, c1, c2');
      else {
        model.latency = {
          c0: numberAt(json.latency, 'c0', 'latency', problems),
          c1: numberAt(json.latency, 'c1', 'latency', problems),
          c2: numberAt(json.latency, 'c2', 'latency', problems),
        };
      }
    }
    if (isObject(json.fit)) model.fit = json.fit as unknown as FitQuality;
  }
  const memoryMb = optionalPositive(json, 'memoryMb', problems);
  const price = optionalPositive(json, 'pricePerSecondUsd', problems);
  if (memoryMb !== undefined) model.memoryMb = memoryMb;
  if (price !== undefined) model.pricePerSecondUsd = price;
  if (problems.length > 0) throw new UserError(`${source}: ${problems.join('; ')}`);
  return model;
}
