/**
 * A job's plan as a value: what `obifaas run --dry-run` prints, and what the job manager runs.
 * {@link JobPlan} is plain data (JSON as it is), made by `planJob()` from the resolved spec, the
 * number of inputs and what the backend tells of its functions.
 */
import type { FunctionCpus } from '../core/function-cpus.js';
import type { SplitRange } from '../core/splitting.js';
import type { CprModel } from '../planning/cpr-model.js';
import type { PipelineConfig } from '../protocol/invocation.js';

/** The function invocations a plan starts. */
export interface PlannedInvocations {
  /** Invocations the plan starts; retries, replacements and speculative copies come on top. */
  count: number;
  /** How many run at once when the job starts: `min(count, maxConcurrency)`. */
  atOnce: number;
  /**
   * Static mode: the splits of each invocation, in order (one split each). Absent in dynamic
   * mode, where each invocation pulls splits until none are left.
   */
  splitIds?: string[][];
}

/** What each function has and gets: its backend's memory and CPUs, and its threads. */
export interface PlannedFunctions {
  backend: string;
  memoryMb: number;
  /** Invocations the backend runs at once. */
  maxConcurrency: number;
  /** How the backend gives its functions CPUs. */
  cpus: FunctionCpus;
  /** vCPUs one function has while `invocations.atOnce` run (fractional on a small Lambda). */
  vcpus: number;
  /** ONNX Runtime intra-op threads per function. */
  intraOpThreads: number;
  /** `vcpus`: from the function's vCPUs; `spec`: `pipeline.predict.intraOpThreads` as set. */
  threadsFrom: 'vcpus' | 'spec';
}

/**
 * How long one function takes, when it is known: a simulator profile (seconds per image, per
 * split and per cold start), or a CPR model (billed seconds of `n` images on `w` workers).
 * Each was measured at one memory size; it says nothing of another.
 */
export type TimeEstimate =
  | {
      kind: 'profile';
      name: string;
      memoryMb: number;
      secondsPerImage: number;
      perSplitOverheadSeconds: number;
      initSeconds: number;
    }
  | { kind: 'cpr-model'; name: string; model: CprModel };

/** The predicted cost of the planned invocations, or why there is none. */
export type CostPrediction =
  | {
      known: true;
      /** Where the time estimate came from, e.g. `profile lambda-resnet50-3008`. */
      basis: string;
      costUsd: number;
      computeCostUsd: number;
      requestCostUsd: number;
      /** Seconds billed over all planned invocations (cold starts included when billed). */
      billedSeconds: number;
      /** Of them, cold-start seconds (every planned invocation is assumed to start cold). */
      initSeconds: number;
      costPerMillionImagesUsd: number;
      /** First submit to last result, with no failure and no queueing beyond `maxConcurrency`. */
      latencySeconds: number;
      priceModel: string;
      /** Dollars per second of one function at its memory. */
      usdPerFunctionSecond: number;
    }
  | {
      known: false;
      /** Why not: no time estimate given, or one measured at another memory size. */
      reason: string;
      priceModel: string;
      usdPerFunctionSecond: number;
    };

/** A job's plan. */
export interface JobPlan {
  job: string;
  mode: 'static' | 'dynamic';
  inputs: number;
  /** Every split of the job, in order, as ranges of its inputs. */
  splits: SplitRange[];
  /** Splits finished by earlier runs (a resumed job): not run again. */
  finishedSplits: string[];
  /** The invocations that run the splits left. */
  invocations: PlannedInvocations;
  functions: PlannedFunctions;
  /** The pipeline settings every function receives. */
  pipeline: PipelineConfig;
  cost: CostPrediction;
  /** The output folder, or the `s3://` prefix the outputs go to. */
  out: string;
}
