/**
 * What functions cost (pure). One price table and one function, {@link summarizeCost}, that
 * turns a job's invocations into dollars, billed seconds and cost per image; every report uses
 * it so that all figures agree.
 */
import { UserError } from '../errors.js';

/** The CPU architecture a function runs on; Lambda prices them differently. */
export type Arch = 'x86_64' | 'arm64';

/** How a platform bills function time. */
export interface PriceModel {
  name: string;
  arch: Arch;
  /** Dollars per GB-second of billed duration (GB = 1024 MB of configured memory). */
  usdPerGbSecond: number;
  /** Dollars per invocation (request). */
  usdPerRequest: number;
  /** Each invocation's billed time is rounded up to a multiple of this (Lambda: 1 ms). */
  billingGranularityMs: number;
  /**
   * Whether initialisation (cold start) time is billed on top of `billedMs`. Lambda bills the
   * init phase of on-demand functions, and the reference's CPR model counts init seconds as cost.
   */
  billsInit: boolean;
}

/** AWS Lambda on-demand prices (us-east-1): $0.20 per million requests, billed per ms. */
export const LAMBDA_PRICES: Readonly<Record<Arch, PriceModel>> = Object.freeze({
  x86_64: Object.freeze({
    name: 'aws-lambda-x86_64',
    arch: 'x86_64',
    usdPerGbSecond: 1.6667e-5,
    usdPerRequest: 0.2e-6,
    billingGranularityMs: 1,
    billsInit: true,
  }),
  arm64: Object.freeze({
    name: 'aws-lambda-arm64',
    arch: 'arm64',
    usdPerGbSecond: 1.3334e-5,
    usdPerRequest: 0.2e-6,
    billingGranularityMs: 1,
    billsInit: true,
  }),
});

/** Optional changes to the default price table (from config or flags). */
export interface PriceOverrides {
  /** Start from this architecture's Lambda prices (default `x86_64`). */
  arch?: Arch;
  name?: string;
  usdPerGbSecond?: number;
  usdPerRequest?: number;
  billingGranularityMs?: number;
  billsInit?: boolean;
}

/**
 * The price model to use: Lambda's for `overrides.arch` (default x86_64), with any given
 * field replaced. Throws {@link UserError} naming the field for a negative or non-finite price.
 */
export function resolvePrices(overrides: PriceOverrides = {}): PriceModel {
  const arch = overrides.arch ?? 'x86_64';
  const base = LAMBDA_PRICES[arch];
  if (!base) throw new UserError(`prices.arch: expected 'x86_64' or 'arm64', got '${String(arch)}'`);
  const resolved: PriceModel = {
    name: overrides.name ?? base.name,
    arch,
    usdPerGbSecond: overrides.usdPerGbSecond ?? base.usdPerGbSecond,
    usdPerRequest: overrides.usdPerRequest ?? base.usdPerRequest,
    billingGranularityMs: overrides.billingGranularityMs ?? base.billingGranularityMs,
    billsInit: overrides.billsInit ?? base.billsInit,
  };
  for (const field of ['usdPerGbSecond', 'usdPerRequest'] as const) {
    const v = resolved[field];
    if (!Number.isFinite(v) || v < 0)
      throw new UserError(`prices.${field}: expected a number >= 0, got ${v}`);
  }
  const g = resolved.billingGranularityMs;
  if (!Number.isFinite(g) || g <= 0)
    throw new UserError(`prices.billingGranularityMs: expected a number > 0, got ${g}`);
  return resolved;
}

/** Dollars per second of one function with `memoryMb` of memory. */
export function pricePerSecondUsd(prices: PriceModel, memoryMb: number): number {
  return (memoryMb / 1024) * prices.usdPerGbSecond;
}

/**
 * The billing facts of one invocation (a structural subset of a backend's invocation stats).
 * `billedMs` is the handler's duration *excluding* initialisation; `initMs` is the cold start
 * (0 when warm).
 */
export interface BilledInvocation {
  billedMs: number;
  initMs: number;
  memoryMb: number;
  /** Measured duration, unrounded; `billedMs` stands in when absent. */
  durationMs?: number;
}

/** A job's cost, computed by {@link summarizeCost}. */
export interface CostSummary {
  /** Compute plus request cost, in dollars. */
  costUsd: number;
  /** Billed duration x memory x GB-second price. */
  computeCostUsd: number;
  /** Invocations x request price. */
  requestCostUsd: number;
  /** Seconds billed, each invocation rounded up to the billing granularity (init included when billed). */
  billedSeconds: number;
  /** Seconds the functions ran (unrounded, init excluded), whatever their memory. */
  functionSeconds: number;
  /** Seconds spent initialising (cold starts). */
  initSeconds: number;
  /** Billed GB-seconds. */
  gbSeconds: number;
  /** Number of invocations. */
  requests: number;
  images: number;
  /** Cost per request, i.e. per image (0 when there are no images). */
  cprUsd: number;
  /** Cost of a million images at this job's cost per image. */
  costPerMillionImagesUsd: number;
}

function roundUp(ms: number, granularityMs: number): number {
  // Tolerate floating point noise: 100.0000000001 ms bills 100 ms, not 101 ms.
  return Math.ceil(ms / granularityMs - 1e-9) * granularityMs;
}

/**
 * Turns invocations into dollars. Each invocation is billed `billedMs` (plus `initMs` when the
 * price model bills init) rounded up to the granularity, times its memory in GB, times the
 * GB-second price, plus one request. Throws RangeError for a negative or non-finite duration.
 */
export function summarizeCost(
  invocations: readonly BilledInvocation[],
  images: number,
  prices: PriceModel,
): CostSummary {
  if (!Number.isInteger(images) || images < 0)
    throw new RangeError(`images must be an integer >= 0, got ${images}`);
  let billedMsTotal = 0;
  let functionMs = 0;
  let initMs = 0;
  let gbSeconds = 0;
  invocations.forEach((inv, i) => {
    for (const field of ['billedMs', 'initMs', 'memoryMb'] as const) {
      const v = inv[field];
      if (!Number.isFinite(v) || v < 0)
        throw new RangeError(`invocation ${i}: ${field} must be a number >= 0, got ${v}`);
    }
    const charged = roundUp(inv.billedMs + (prices.billsInit ? inv.initMs : 0), prices.billingGranularityMs);
    billedMsTotal += charged;
    functionMs += inv.durationMs ?? inv.billedMs;
    initMs += inv.initMs;
    gbSeconds += (charged / 1000) * (inv.memoryMb / 1024);
  });
  const computeCostUsd = gbSeconds * prices.usdPerGbSecond;
  const requestCostUsd = invocations.length * prices.usdPerRequest;
  const costUsd = computeCostUsd + requestCostUsd;
  const cprUsd = images > 0 ? costUsd / images : 0;
  return {
    costUsd,
    computeCostUsd,
    requestCostUsd,
    billedSeconds: billedMsTotal / 1000,
    functionSeconds: functionMs / 1000,
    initSeconds: initMs / 1000,
    gbSeconds,
    requests: invocations.length,
    images,
    cprUsd,
    costPerMillionImagesUsd: cprUsd * 1e6,
  };
}
