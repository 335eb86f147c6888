/**
 * From a finished sampling job to the record `cpr fit` reads (pure). The accounting is the one
 * every job report uses, split in two so that the CPR model's two terms can be fitted:
 *
 * - init seconds: each cold invocation's platform init (`initMs`: process start on the local
 *   backend, Lambda's Init Duration) plus the model load the worker reports for it
 *   (`modelLoadMs`, which happens inside the billed duration of a cold invocation);
 * - compute seconds: the billed duration of every invocation, minus those model loads.
 *
 * So `computeSeconds + initSeconds` is the billed time of the job (init included), the time its
 * `costUsd` charges for, and a CPR predicted from the fitted model is comparable with the CPR
 * in a later job's `job.json`.
 */
import type { CprSample, MachineLoad } from './cpr-records.js';
import type { Precision } from './precision.js';
import type { SamplePoint } from './sampling-plan.js';

/** The billing facts of one invocation (a structural subset of a job record's invocations). */
export interface SampledInvocation {
  billedMs: number;
  initMs: number;
  cold: boolean;
  /** Model load time the worker reported (cold invocations that answered). */
  modelLoadMs?: number;
}

/** What one finished sampling job measured (a structural subset of `job.json`). */
export interface SampledJob {
  jobId: string;
  images: number;
  latencySeconds: number;
  costUsd: number;
  memoryMb: number;
  /** Dispatch mode the job ran in (`static`, `dynamic`). */
  mode: string;
  invocations: readonly SampledInvocation[];
}

/**
 * One line of `samples.jsonl` as `cpr sample` writes it: a {@link CprSample} plus where it came
 * from. `index` is the point's position in the plan, the key a re-run skips recorded points by.
 */
export interface CprSampleRecord extends CprSample {
  index: number;
  spacing: SamplePoint['spacing'];
  mode: string;
  /** Invocations the job made (workers, plus any retries or speculative copies). */
  invocations: number;
  coldStarts: number;
  job: string;
}

/** Init and compute seconds of a job's invocations, as described in the module comment. */
export function splitBilledSeconds(invocations: readonly SampledInvocation[]): {
  computeSeconds: number;
  initSeconds: number;
  coldStarts: number;
} {
  let billedMs = 0;
  let initMs = 0;
  let coldStarts = 0;
  for (const inv of invocations) {
    const load = inv.cold ? Math.max(0, Math.min(inv.modelLoadMs ?? 0, inv.billedMs)) : 0;
    billedMs += inv.billedMs - load;
    initMs += inv.initMs + load;
    if (inv.cold) coldStarts++;
  }
  return { computeSeconds: billedMs / 1000, initSeconds: initMs / 1000, coldStarts };
}

/**
 * The record of one sampled point. Its durations may be 0 (a job without a cold start); the
 * caller checks the record with `checkCprSample` before keeping it.
 */
export function sampleRecord(
  point: SamplePoint,
  job: SampledJob,
  precision: Precision | null = null,
  machine?: MachineLoad,
): CprSampleRecord {
  const { computeSeconds, initSeconds, coldStarts } = splitBilledSeconds(job.invocations);
  return {
    index: point.index,
    ...(precision ? { precision } : {}),
    spacing: point.spacing,
    images: point.images,
    workers: point.workers,
    computeSeconds,
    initSeconds,
    latencySeconds: job.latencySeconds,
    costUsd: job.costUsd,
    memoryMb: job.memoryMb,
    mode: job.mode,
    invocations: job.invocations.length,
    coldStarts,
    job: job.jobId,
    ...(machine ? { machine } : {}),
  };
}

/** One job to sample: a point of the plan, in one precision when several are sampled. */
export interface SampleRun {
  point: SamplePoint;
  /** Null when the sampling does not choose precisions (the records then carry none). */
  precision: Precision | null;
}

/**
 * The runs not yet recorded, in the plan's order: each point in each of `precisions` (a
 * record is told by its `index` and its `precision`).
 */
export function pendingRuns(
  plan: readonly SamplePoint[],
  precisions: readonly (Precision | null)[],
  recorded: Iterable<{ index: number; precision?: Precision | undefined }>,
): SampleRun[] {
  const key = (index: number, precision: Precision | null): string => `${index}/${precision ?? ''}`;
  const done = new Set([...recorded].map((r) => key(r.index, r.precision ?? null)));
  return plan.flatMap((point) =>
    precisions.filter((p) => !done.has(key(point.index, p))).map((precision) => ({ point, precision })),
  );
}
