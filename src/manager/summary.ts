/**
 * A job's numbers from its records (pure): counts, latency, throughput, billed time, dollars.
 * A figure that means nothing for the job is null rather than a misleading number: no latency
 * for a job that did not complete or predicted nothing, no throughput without a prediction.
 */
import { summarizeCost, type PriceModel } from '../core/pricing.js';
import type { JobStatus } from './job-events.js';
import type { ActiveTime } from './run-spans.js';
import type { InvocationRecord, JobSummary, SplitRecord } from './types.js';

export interface SummaryInput {
  name: string;
  jobId: string;
  status: JobStatus;
  /** Why a cancelled job was cancelled, as the caller gave it (credentials in URLs masked). */
  cancelReason?: string | undefined;
  /** SHA-256 (hex) of the model file the job ran, when known. */
  modelSha256?: string | undefined;
  mode: string;
  backend: string;
  memoryMb: number;
  prices: PriceModel;
  inputs: number;
  ok: number;
  errors: number;
  workers: number;
  invocations: readonly InvocationRecord[];
  splits: readonly SplitRecord[];
  /** Epoch ms the job started (used when no invocation was submitted). */
  startedAt: number;
  /** Epoch ms of the last result line (the job's end when none was written). */
  lastResultAt: number;
  /** Epoch ms of the last result line with a prediction; null when this run wrote none. */
  lastPredictionAt: number | null;
  /**
   * A resumed job: the seconds of its runs, without the gaps between them; its latency and
   * throughput are measured on them.
   */
  activeTime?: ActiveTime;
  /** A resumed job: how many of `invocations` its earlier runs made. */
  invocationsInEarlierRuns?: number;
  out: string;
}

export function summarizeJob(input: SummaryInput): JobSummary {
  const submits = input.invocations.map((i) => i.submittedAt);
  const firstSubmitAt = submits.length > 0 ? Math.min(...submits) : input.startedAt;
  const elapsedSeconds = Math.max(0, input.lastResultAt - firstSubmitAt) / 1000;
  const predicted = input.ok > 0;
  const predictingSeconds = input.activeTime
    ? input.activeTime.predictingSeconds
    : input.lastPredictionAt === null
      ? 0
      : Math.max(0, input.lastPredictionAt - firstSubmitAt) / 1000;
  const latencySeconds = input.activeTime ? input.activeTime.seconds : elapsedSeconds;
  const cost = summarizeCost(input.invocations, input.inputs, input.prices);
  const estimated = input.invocations.filter((i) => i.estimated === true);
  return {
    job: input.name,
    jobId: input.jobId,
    status: input.status,
    ...(input.cancelReason !== undefined ? { cancelReason: input.cancelReason } : {}),
    ...(input.modelSha256 !== undefined ? { modelSha256: input.modelSha256 } : {}),
    mode: input.mode,
    backend: input.backend,
    inputs: input.inputs,
    ok: input.ok,
    errors: input.errors,
    workers: input.workers,
    invocations: input.invocations.length,
    failedInvocations: input.invocations.filter((i) => !i.ok && i.stopped !== true && i.estimated !== true)
      .length,
    retries: input.splits.reduce((n, s) => n + s.retries, 0),
    coldStarts: input.invocations.filter((i) => i.cold).length,
    elapsedSeconds,
    latencySeconds: input.status === 'completed' && predicted ? latencySeconds : null,
    imagesPerSecond: predicted && predictingSeconds > 0 ? input.ok / predictingSeconds : null,
    billedSeconds: cost.billedSeconds,
    ...(input.activeTime ? { runs: input.activeTime.runs } : {}),
    ...(input.activeTime && input.invocationsInEarlierRuns !== undefined
      ? { invocationsInEarlierRuns: input.invocationsInEarlierRuns }
      : {}),
    ...(estimated.length > 0
      ? {
          estimatedInvocations: estimated.length,
          estimatedBilledSeconds: summarizeCost(estimated, input.inputs, input.prices).billedSeconds,
        }
      : {}),
    functionSeconds: cost.functionSeconds,
    initSeconds: cost.initSeconds,
    costUsd: cost.costUsd,
    costPerMillionImagesUsd: cost.costPerMillionImagesUsd,
    imagesPerDollar: predicted && cost.costUsd > 0 ? input.ok / cost.costUsd : null,
    priceModel: input.prices.name,
    memoryMb: input.memoryMb,
    out: input.out,
  };
}
