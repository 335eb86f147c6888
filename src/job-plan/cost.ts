/**
 * The predicted cost of a plan's invocations (pure), priced by `core/pricing.ts` like a finished
 * job, from a time estimate when one is given: a simulator profile or a CPR model, measured at
 * the functions' memory size. Without one, or with one measured at another memory size, the cost
 * is unknown, and the prediction says why rather than inventing a number.
 */
import { pricePerSecondUsd, summarizeCost, type BilledInvocation, type PriceModel } from '../core/pricing.js';
import type { SplitRange } from '../core/splitting.js';
import { predictComputeSeconds, predictInitSeconds, predictLatency } from '../planning/cpr-model.js';
import type { CostPrediction, PlannedInvocations, TimeEstimate } from './types.js';

/** What a cost prediction reads of a plan. */
export interface CostInput {
  mode: 'static' | 'dynamic';
  /** The splits to run. */
  splits: readonly SplitRange[];
  invocations: Pick<PlannedInvocations, 'count' | 'atOnce'>;
  memoryMb: number;
  prices: PriceModel;
  estimate?: TimeEstimate;
}

/** The predicted cost of running `input.splits` with the planned invocations. */
export function predictCost(input: CostInput): CostPrediction {
  const usdPerFunctionSecond = pricePerSecondUsd(input.prices, input.memoryMb);
  const unknown = (reason: string): CostPrediction => ({
    known: false,
    reason,
    priceModel: input.prices.name,
    usdPerFunctionSecond,
  });
  const { estimate } = input;
  if (input.invocations.count === 0) return known(input, 'nothing to run', [], 0, usdPerFunctionSecond);
  if (!estimate) return unknown('no time estimate was given');
  const measuredAt = estimate.kind === 'profile' ? estimate.memoryMb : estimate.model.memoryMb;
  if (measuredAt !== undefined && measuredAt !== input.memoryMb) {
    return unknown(
      `${describeEstimate(estimate)} was measured at ${measuredAt} MB, and the functions have ${input.memoryMb} MB`,
    );
  }
  if (estimate.kind === 'cpr-model') {
    const workers = input.invocations.count;
    const images = input.splits.reduce((n, s) => n + s.inputs, 0);
    const computeMs = (predictComputeSeconds(estimate.model, workers, images) * 1000) / workers;
    const initMs = (predictInitSeconds(estimate.model, workers) * 1000) / workers;
    const billed = Array.from({ length: workers }, () => ({
      billedMs: computeMs,
      initMs,
      memoryMb: input.memoryMb,
    }));
    const latency = predictLatency(estimate.model, workers, images);
    return known(input, describeEstimate(estimate), billed, latency, usdPerFunctionSecond);
  }
  const splitSeconds = (s: SplitRange): number =>
    estimate.perSplitOverheadSeconds + s.inputs * estimate.secondsPerImage;
  const schedule =
    input.mode === 'static'
      ? runInSlots(input.splits.map(splitSeconds), input.invocations.atOnce, estimate.initSeconds)
      : pullSplits(input.splits.map(splitSeconds), input.invocations.count, estimate.initSeconds);
  const billed = schedule.busySeconds.map((seconds) => ({
    billedMs: seconds * 1000,
    initMs: estimate.initSeconds * 1000,
    memoryMb: input.memoryMb,
  }));
  return known(input, describeEstimate(estimate), billed, schedule.endSeconds, usdPerFunctionSecond);
}

function describeEstimate(estimate: TimeEstimate): string {
  return `${estimate.kind === 'profile' ? 'profile' : 'CPR model'} ${estimate.name}`;
}

function known(
  input: CostInput,
  basis: string,
  billed: readonly BilledInvocation[],
  latencySeconds: number,
  usdPerFunctionSecond: number,
): CostPrediction {
  const images = input.splits.reduce((n, s) => n + s.inputs, 0);
  const cost = summarizeCost(billed, images, input.prices);
  return {
    known: true,
    basis,
    costUsd: cost.costUsd,
    computeCostUsd: cost.computeCostUsd,
    requestCostUsd: cost.requestCostUsd,
    billedSeconds: cost.billedSeconds,
    initSeconds: cost.initSeconds,
    costPerMillionImagesUsd: cost.costPerMillionImagesUsd,
    latencySeconds,
    priceModel: input.prices.name,
    usdPerFunctionSecond,
  };
}

/** Busy seconds of each invocation (cold start left out) and when the last one ends. */
interface Schedule {
  busySeconds: number[];
  endSeconds: number;
}

/**
 * Static mode: invocation i runs `seconds[i]` after its own cold start, in slot `i mod slots`
 * (at most `slots` run at once; the chunks differ by one input at most, so they free up in turn).
 */
function runInSlots(seconds: readonly number[], slots: number, initSeconds: number): Schedule {
  const ends = Array.from({ length: Math.max(1, slots) }, () => 0);
  seconds.forEach((busy, i) => {
    const slot = i % ends.length;
    ends[slot] = (ends[slot] ?? 0) + initSeconds + busy;
  });
  return { busySeconds: [...seconds], endSeconds: Math.max(...ends) };
}

/**
 * Dynamic mode: `workers` start cold together and pull splits; the splits have the same size
 * (but the last), so split j goes to worker `j mod workers`.
 */
function pullSplits(splitSeconds: readonly number[], workers: number, initSeconds: number): Schedule {
  const busySeconds = Array.from({ length: workers }, () => 0);
  splitSeconds.forEach((seconds, j) => {
    busySeconds[j % workers] = (busySeconds[j % workers] ?? 0) + seconds;
  });
  return { busySeconds, endSeconds: initSeconds + Math.max(...busySeconds) };
}
