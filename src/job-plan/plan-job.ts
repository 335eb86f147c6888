/**
 * The job plan (pure): from the resolved spec, the number of inputs and what the backend tells
 * of its functions, the splits, the invocations that run them, the pipeline settings each
 * function receives and the predicted cost. The same spec and inputs always give the same splits
 * under the same ids, so a resumed job is the plan minus the splits finished earlier.
 */
import { threadsForVcpus, vcpusPerFunction, type BackendCapacity } from '../core/function-cpus.js';
import { chunkRanges, sizeRanges, type SplitRange } from '../core/splitting.js';
import { MAX_SESSION_THREADS } from '../protocol/limits.js';
import { DEFAULT_DYNAMIC_WORKERS } from '../spec/defaults.js';
import type { ResolvedJobSpec } from '../spec/types.js';
import { predictCost } from './cost.js';
import type { JobPlan, PlannedFunctions, PlannedInvocations, TimeEstimate } from './types.js';

/** What a plan reads of a resolved spec. */
export type PlanSpec = Pick<
  ResolvedJobSpec,
  | 'name'
  | 'dispatch'
  | 'workers'
  | 'splitSize'
  | 'pipeline'
  | 'autoThreads'
  | 'prices'
  | 'outDir'
  | 'uploadTo'
>;

/** What else a plan takes into account: the splits finished earlier, and a time estimate. */
export interface PlanOptions {
  /** Ids of splits finished by earlier runs (a resumed job); they must be splits of the plan. */
  finished?: Iterable<string>;
  /** How long a function takes, for the predicted cost; without it the cost is unknown. */
  estimate?: TimeEstimate;
}

/** The reference's default for static jobs: one function per `splitSize` inputs. */
export function defaultStaticWorkers(inputs: number, splitSize: number): number {
  return Math.max(1, Math.ceil(inputs / splitSize));
}

/** Every split of a job of `inputs` inputs, in order: static chunks, or dynamic splits of `splitSize`. */
export function planSplits(
  spec: Pick<PlanSpec, 'dispatch' | 'workers' | 'splitSize'>,
  inputs: number,
): SplitRange[] {
  if (spec.dispatch.type === 'dynamic') return sizeRanges(inputs, spec.splitSize);
  return chunkRanges(inputs, spec.workers ?? defaultStaticWorkers(inputs, spec.splitSize));
}

/** The ids of `finished` that name no split of `splits` (a job folder that does not match its plan). */
export function unknownSplits(splits: readonly SplitRange[], finished: Iterable<string>): string[] {
  const ids = new Set(splits.map((s) => s.splitId));
  return [...new Set(finished)].filter((id) => !ids.has(id));
}

/** The splits a plan still has to run: all of them less those finished earlier. */
export function splitsToRun(plan: Pick<JobPlan, 'splits' | 'finishedSplits'>): SplitRange[] {
  const finished = new Set(plan.finishedSplits);
  return plan.splits.filter((s) => !finished.has(s.splitId));
}

/**
 * Invocations a job starts for `splits` splits: one per chunk in static mode; in dynamic mode the
 * workers asked for (default 50), at most one per split, and at most what the backend runs at
 * once (more would only wait for the first ones to stop, when no split is left). None for none.
 */
export function plannedInvocationCount(
  spec: Pick<PlanSpec, 'dispatch' | 'workers'>,
  splits: number,
  maxConcurrency: number,
): number {
  if (splits === 0) return 0;
  if (spec.dispatch.type !== 'dynamic') return splits;
  return Math.max(1, Math.min(spec.workers ?? DEFAULT_DYNAMIC_WORKERS, splits, maxConcurrency));
}

/** What each function has and gets while `atOnce` functions run together. */
export function planFunctions(
  spec: Pick<PlanSpec, 'pipeline' | 'autoThreads'>,
  backend: BackendCapacity,
  atOnce: number,
): PlannedFunctions {
  const vcpus = vcpusPerFunction(backend.functionCpus, Math.max(1, atOnce));
  const auto = spec.autoThreads === true;
  return {
    backend: backend.name,
    memoryMb: backend.memoryMb,
    maxConcurrency: backend.maxConcurrency,
    cpus: backend.functionCpus,
    vcpus,
    intraOpThreads: auto ? threadsForVcpus(vcpus, MAX_SESSION_THREADS) : spec.pipeline.predict.intraOpThreads,
    threadsFrom: auto ? 'vcpus' : 'spec',
  };
}

/**
 * The plan of a job of `inputs` inputs on `backend`. With `options.finished` (a resumed job),
 * the invocations, threads and cost are those of the splits left. Throws RangeError when a
 * finished id is not a split of the plan (check with {@link unknownSplits} first).
 */
export function planJob(
  spec: PlanSpec,
  inputs: number,
  backend: BackendCapacity,
  options: PlanOptions = {},
): JobPlan {
  const splits = planSplits(spec, inputs);
  const finishedSplits = [...new Set(options.finished ?? [])];
  const unknown = unknownSplits(splits, finishedSplits);
  if (unknown.length > 0)
    throw new RangeError(`finished splits not in the plan: ${unknown.slice(0, 5).join(', ')}`);
  const toRun = splitsToRun({ splits, finishedSplits });
  const count = plannedInvocationCount(spec, toRun.length, backend.maxConcurrency);
  const invocations: PlannedInvocations = {
    count,
    atOnce: Math.min(count, backend.maxConcurrency),
    ...(spec.dispatch.type === 'static' ? { splitIds: toRun.map((s) => [s.splitId]) } : {}),
  };
  const functions = planFunctions(spec, backend, invocations.atOnce);
  const pipeline = {
    ...spec.pipeline,
    predict: { ...spec.pipeline.predict, intraOpThreads: functions.intraOpThreads },
  };
  return {
    job: spec.name,
    mode: spec.dispatch.type,
    inputs,
    splits,
    finishedSplits,
    invocations,
    functions,
    pipeline,
    cost: predictCost({
      mode: spec.dispatch.type,
      splits: toRun,
      invocations,
      memoryMb: backend.memoryMb,
      prices: spec.prices,
      ...(options.estimate ? { estimate: options.estimate } : {}),
    }),
    out: spec.uploadTo?.uri ?? spec.outDir,
  };
}
