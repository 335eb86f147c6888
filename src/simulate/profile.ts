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
import * as z from 'zod';
import { resolvePrices, type PriceModel, type PriceOverrides } from '../core/pricing.js';
import { SpecError, type Issue } from '../errors.js';
import { MAX_MEMORY_MB, MIN_MEMORY_MB } from '../protocol/limits.js';
import { pricesSchema } from '../spec/schema.js';
import { parseJsonText, readTextFile } from '../util/json-file.js';
import { checkSchema, intRange, numberRange } from '../util/schema.js';

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

const seconds = numberRange({ min: 0 });
const positive = numberRange({ min: 0, exclusive: true });

/**
 * A profile file. Unknown keys are errors (a misspelt `initSecond` would otherwise leave the
 * default); `worker` is information only: the settings and setup the numbers were measured with.
 */
export const profileSchema = z.strictObject({
  $schema: z.string().optional(),
  name: z.string().optional(),
  memoryMb: intRange(MIN_MEMORY_MB, MAX_MEMORY_MB),
  splitSize: intRange(1),
  secondsPerSplit: positive.optional(),
  imagesPerSecondPerWorker: positive.optional(),
  perSplitOverheadSeconds: seconds.optional(),
  initSeconds: seconds,
  concurrencyLimit: intRange(1),
  keepWarmSeconds: seconds.optional(),
  serviceTimeCv: numberRange({ min: 0, max: 10 }).optional(),
  prices: pricesSchema.optional(),
  worker: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).optional(),
  notes: z.string().optional(),
});

/** The one rule across fields: the split time is given in exactly one of two forms. */
function splitTimeIssues(json: unknown): Issue[] {
  if (typeof json !== 'object' || json === null) return [];
  const given = json as Partial<Record<string, unknown>>;
  const hasSplit = given.secondsPerSplit !== undefined;
  const hasRate = given.imagesPerSecondPerWorker !== undefined;
  if (hasSplit !== hasRate) return [];
  const message = hasSplit
    ? 'give secondsPerSplit or imagesPerSecondPerWorker, not both'
    : 'missing (or give imagesPerSecondPerWorker)';
  return [{ path: 'secondsPerSplit', message }];
}

/** Checks a parsed profile; throws {@link SpecError} listing every problem with its field. */
export function parseProfile(json: unknown, source = 'profile'): FunctionProfile {
  const parsed = checkSchema(profileSchema, json);
  const issues = [...(parsed.ok ? [] : parsed.issues), ...splitTimeIssues(json)];
  if (!parsed.ok || issues.length > 0) throw new SpecError(issues, `invalid profile ${source}`);
  const p = parsed.data;
  const secondsPerImage =
    p.secondsPerSplit !== undefined
      ? p.secondsPerSplit / p.splitSize
      : 1 / (p.imagesPerSecondPerWorker as number);
  const prices: PriceModel = resolvePrices(p.prices ?? {});
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
export async function loadProfile(file: string, flag = '--profile'): Promise<FunctionProfile> {
  return parseProfile(parseJsonText(await readTextFile(file, flag), file), file);
}
