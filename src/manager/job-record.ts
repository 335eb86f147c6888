/**
 * What `job.json` says of a job once a run ends (pure): its summary, its plan, its inputs and
 * model, the contract it ran under, its splits and invocations, and each run's accounting.
 */
import type { ComputeBackend } from '../backends/backend.js';
import type { ResolvedInputs } from '../dataset/inputs.js';
import type { JobPlan } from '../job-plan/types.js';
import type { ResolvedJobSpec } from '../spec/types.js';
import type { DispatchOutcome } from './dispatch.js';
import type { JobContract } from './job-contract.js';
import type { JobStatus } from './job-events.js';
import type { ResultSink } from './result-sink.js';
import { runOfWorker } from './run-accounting.js';
import type { jobRunAccounts } from './run-spans.js';
import { summarizeJob } from './summary.js';
import type {
  FaultRecord,
  InvocationRecord,
  JobPlanRecord,
  JobRecord,
  JobSummary,
  ModelDigests,
  SplitRecord,
} from './types.js';

/** A job's run as it ended: what {@link jobRecord} reads. */
export interface EndedRun {
  spec: ResolvedJobSpec;
  jobId: string;
  status: JobStatus;
  stopReason: string | undefined;
  /** Why a cancelled job was cancelled (the summary's `cancelReason`). */
  cancelReason: string | undefined;
  /** The first run's start (ms since the epoch). */
  startedAt: number;
  endedAt: number;
  plan: JobPlan;
  inputs: ResolvedInputs;
  /** The model's contract; its `model` is the model as its functions got it. */
  contract: JobContract;
  /** What the model and labels files held when the job started; undefined when not known. */
  digests: ModelDigests | undefined;
  sink: Pick<ResultSink, 'counts' | 'lastResultAt' | 'lastPredictionAt'>;
  backend: Pick<ComputeBackend, 'name' | 'memoryMb'>;
  outcome: DispatchOutcome | undefined;
  /** Every run's splits. */
  splits: SplitRecord[];
  /** Every run's invocations. */
  invocations: InvocationRecord[];
  accounts: ReturnType<typeof jobRunAccounts>;
  /** True after the first run: the job's time is its runs', without the gaps between them. */
  resumed: boolean;
  /** The faults injected in every run (with `spec.faults`). */
  faults: FaultRecord['workers'] | undefined;
  outDir: string;
  embeddings: JobRecord['embeddings'];
}

/** The job's summary and its `job.json` record. */
export function jobRecord(run: EndedRun): { record: JobRecord; summary: JobSummary } {
  const { spec, jobId, status, stopReason, plan, inputs, contract, sink, outcome } = run;
  const { model } = contract;
  const counts = sink.counts();
  const summary = summarizeJob({
    name: spec.name,
    jobId,
    status,
    cancelReason: run.cancelReason,
    ...(run.digests ? { modelSha256: run.digests.sha256 } : {}),
    mode: spec.dispatch.type,
    backend: run.backend.name,
    memoryMb: run.backend.memoryMb,
    prices: spec.prices,
    inputs: inputs.keys.length,
    ok: counts.ok,
    errors: counts.errors,
    workers: outcome?.workers ?? 0,
    invocations: run.invocations,
    splits: run.splits,
    startedAt: run.startedAt,
    lastResultAt: sink.lastResultAt ?? run.endedAt,
    lastPredictionAt: sink.lastPredictionAt,
    ...(run.resumed
      ? { activeTime: run.accounts.active, invocationsInEarlierRuns: invocationsInEarlierRuns(run) }
      : {}),
    out: spec.uploadTo?.uri ?? run.outDir,
  });
  const record: JobRecord = {
    version: 1,
    jobId,
    name: spec.name,
    status,
    ...(stopReason !== undefined ? { stopReason } : {}),
    startedAt: new Date(run.startedAt).toISOString(),
    endedAt: new Date(run.endedAt).toISOString(),
    spec,
    pipeline: outcome?.pipeline ?? plan.pipeline,
    functions: plan.functions,
    plan: planRecord(plan),
    inputs: {
      location: inputs.source.location,
      kind: inputs.source.kind,
      storage: inputs.storage,
      count: inputs.keys.length,
    },
    model: {
      uri: spec.model.uri,
      path: model.uri,
      ...(spec.model.labelsUri ? { labelsUri: spec.model.labelsUri } : {}),
      ...(model.labelsUri && model.labelsUri !== spec.model.labelsUri ? { labelsPath: model.labelsUri } : {}),
      ...run.digests,
    },
    ...(contract.record ? { contract: contract.record } : {}),
    summary,
    task: contract.task.resolved ?? contract.task.task,
    ...(run.embeddings ? { embeddings: run.embeddings } : {}),
    resultsOrder: status === 'completed' ? 'input' : 'completion',
    splits: run.splits,
    invocations: run.invocations,
    runs: run.accounts.runs,
    ...(outcome?.dispatcher ? { dispatcher: outcome.dispatcher } : {}),
    ...(spec.faults && run.faults ? { faults: { policy: spec.faults, workers: run.faults } } : {}),
  };
  return { record, summary };
}

/** The invocations that runs before the last one made (their worker ids carry their run's prefix). */
function invocationsInEarlierRuns(run: EndedRun): number {
  const runs = run.accounts.runs;
  const last = Math.max(0, ...runs.map((r) => r.run));
  return run.invocations.filter((i) => runOfWorker(i.workerId, runs) !== last).length;
}

/** What `job.json` keeps of the job's plan: its size and, given a time estimate, its prediction. */
export function planRecord(plan: JobPlan): JobPlanRecord {
  const { cost } = plan;
  const base = { splits: plan.splits.length, invocations: plan.invocations.count };
  if (!cost.known) return { ...base, noPrediction: cost.reason };
  return {
    ...base,
    predicted: {
      basis: cost.basis,
      costUsd: cost.costUsd,
      costPerMillionImagesUsd: cost.costPerMillionImagesUsd,
      latencySeconds: cost.latencySeconds,
      billedSeconds: cost.billedSeconds,
      priceModel: cost.priceModel,
    },
  };
}
