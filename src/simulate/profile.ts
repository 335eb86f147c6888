/**
 * Function profiles for the simulator: how long a worker takes per split, how long it takes to
 * start, how many may run at once, its memory and its price. A profile is JSON:
 *
 * ```json
 * { "name": "lambda-resnet50-3008", "memoryMb": 3008, "splitSize": 32,
 *   "secondsPerSplit": 7.1, "perSplitOverheadSeconds": 0.05, "initSeconds": 5.05,
 *   "concurrencyLimit": 1000, "keepWarmSeconds": 0, "serviceTimeCv": 0,
 *   "prices": { "arch": "x86_64" } }
 * ```
 *
 * A split of `k` images takes `perSplitOverheadSeconds + k x secondsPerImage`, where
 * `secondsPerImage` is `secondsPerSplit / splitSize` or `1 / imagesPerSecondPerWorker` (give
 * exactly one). A cold invocation first spends `initSeconds` (billed as init); with
 * `keepWarmSeconds` > 0 an invocation starting within that long of another one's end reuses
 * its container and skips init. `serviceTimeCv` > 0 draws each split's time from a log-normal
 * with mean 1 and that coefficient of variation.
 */
import { readFile } from 'node:fs/promises';
import { resolvePrices, type PriceModel, type PriceOverrides } from '../core/pricing.js';
import { messageOf, SpecError, UserError, type Issue } from '../errors.js';

/** A profile as written in JSON. */
export interface FunctionProfileInput {
  name?: string;
  memoryMb: number;
  splitSize: number;
  secondsPerSplit?: number;
  imagesPerSecondPerWorker?: number;
  perSplitOverheadSeconds?: number;
  initSeconds: number;
  concurrencyLimit: number;
  keepWarmSeconds?: number;
  serviceTimeCv?: number;
  prices?: PriceOverrides;
  /** Free-form: the worker config the numbers were measured with, where they came from. */
  worker?: Record<string, unknown>;
  notes?: string;
}

/** A checked profile, in the units the simulator uses. */
export interface FunctionProfile {
  name: string;
  memoryMb: number;
  splitSize: number;
  secondsPerImage: number;
  perSplitOverheadSeconds: number;
  initSeconds: number;
  concurrencyLimit: number;
  keepWarmSeconds: number;
  serviceTimeCv: number;
  prices: PriceModel;
  worker?: Record<string, unknown>;
}

type NumberRule = { min: number; integer?: boolean; exclusive?: boolean; max?: number };

const RULES: Record<string, NumberRule> = {
  memoryMb: { min: 128, max: 10_240, integer: true },
  splitSize: { min: 1, integer: true },
  secondsPerSplit: { min: 0, exclusive: true },
  imagesPerSecondPerWorker: { min: 0, exclusive: true },
  perSplitOverheadSeconds: { min: 0 },
  initSeconds: { min: 0 },
  concurrencyLimit: { min: 1, integer: true },
  keepWarmSeconds: { min: 0 },
  serviceTimeCv: { min: 0, max: 10 },
};
const REQUIRED = ['memoryMb', 'splitSize', 'initSeconds', 'concurrencyLimit'];
const KNOWN = new Set([...Object.keys(RULES), 'name', 'prices', 'worker', 'notes', '$schema']);

function checkNumber(field: string, value: unknown, rule: NumberRule): string | null {
  if (typeof value !== 'number' || !Number.isFinite(value))
    return `expected a number, got ${JSON.stringify(value)}`;
  if (rule.integer && !Number.isInteger(value)) return `expected a whole number, got ${value}`;
  if (rule.exclusive ? value <= rule.min : value < rule.min)
    return `expected a number ${rule.exclusive ? '>' : '>='} ${rule.min}, got ${value}`;
  if (rule.max !== undefined && value > rule.max) return `expected at most ${rule.max}, got ${value}`;
  return null;
}

/** Checks a parsed profile; throws {@link SpecError} listing every problem with its field. */
export function parseProfile(json: unknown, source = 'profile'): FunctionProfile {
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    throw new SpecError([{ path: '(root)', message: 'expected a JSON object' }], `invalid profile ${source}`);
  const input = json as Record<string, unknown>;
  const issues: Issue[] = [];
  for (const field of REQUIRED)
    if (input[field] === undefined) issues.push({ path: field, message: 'missing' });
  const hasSplit = input.secondsPerSplit !== undefined;
  const hasRate = input.imagesPerSecondPerWorker !== undefined;
  if (hasSplit === hasRate)
    issues.push({
      path: 'secondsPerSplit',
      message: hasSplit
        ? 'give secondsPerSplit or imagesPerSecondPerWorker, not both'
        : 'missing (or give imagesPerSecondPerWorker)',
    });
  for (const [field, rule] of Object.entries(RULES)) {
    if (input[field] === undefined) continue;
    const problem = checkNumber(field, input[field], rule);
    if (problem) issues.push({ path: field, message: problem });
  }
  for (const key of Object.keys(input))
    if (!KNOWN.has(key)) issues.push({ path: key, message: 'unknown field' });
  if (input.name !== undefined && typeof input.name !== 'string')
    issues.push({ path: 'name', message: 'expected a string' });
  let prices: PriceModel | undefined;
  if (input.prices !== undefined && (typeof input.prices !== 'object' || input.prices === null))
    issues.push({ path: 'prices', message: 'expected an object such as {"arch": "x86_64"}' });
  else {
    try {
      prices = resolvePrices((input.prices ?? {}) as PriceOverrides);
    } catch (err) {
      issues.push({ path: 'prices', message: messageOf(err).replace(/^prices\./, '') });
    }
  }
  if (issues.length > 0 || !prices) throw new SpecError(issues, `invalid profile ${source}`);
  const p = input as unknown as FunctionProfileInput;
  const secondsPerImage =
    p.secondsPerSplit !== undefined
      ? p.secondsPerSplit / p.splitSize
      : 1 / (p.imagesPerSecondPerWorker as number);
  return {
    name: p.name ?? source,
    memoryMb: p.memoryMb,
    splitSize: p.splitSize,
    secondsPerImage,
    perSplitOverheadSeconds: p.perSplitOverheadSeconds ?? 0,
    initSeconds: p.initSeconds,
    concurrencyLimit: p.concurrencyLimit,
    keepWarmSeconds: p.keepWarmSeconds ?? 0,
    serviceTimeCv: p.serviceTimeCv ?? 0,
    prices,
    ...(p.worker ? { worker: p.worker } : {}),
  };
}

/** Reads and checks a profile file. */
export async function loadProfile(file: string): Promise<FunctionProfile> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new UserError(`${file}: cannot read the profile: ${messageOf(err)}`, { cause: err });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new UserError(`${file}: not valid JSON: ${messageOf(err)}`, { cause: err });
  }
  return parseProfile(json, file);
}
