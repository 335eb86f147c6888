/**
 * Obi-FaaS as a library: `import { runJob, planJob, simulateDay, ... } from 'obifaas'`. This file
 * chooses what is public; everything else under `dist/` may change between versions. The
 * function's Lambda handler is a separate entry point, `obifaas/lambda`. docs/api.md says how to
 * use each part, with a runnable example (`examples/run-job.ts`).
 */

// One job: options, the resolved spec, its plan, a run, its events, its outputs.
export { dryRunJob, resolveJobSpec, runJob } from './api/job.js';
export { readJobResults, type ReadJobResultsOptions } from './report/results/read-results.js';
export { readEmbeddings, type JobEmbeddings } from './report/results/read-embeddings.js';
export { resumeJob } from './api/resume-job.js';
export type { ResumeJobOptions } from './api/resume-job.js';
export type { ResumeFound } from './api/resume-job.js';
export type { LocatedJob } from './manager/staged-job.js';
export type { RestoredStaging, UploadProgress } from './manager/job-upload.js';
export type { DryRunOptions, RunJobOptions, UploadedSummary } from './api/job.js';
export type { UploadReport } from './manager/job-upload.js';
export type { JobOptions } from './spec/schema.js';
export type {
  CompileContext,
  DispatchSpec,
  DispatcherTlsSpec,
  DynamicDispatchSpec,
  ResolvedBackend,
  ResolvedHttpBackend,
  ResolvedJobSpec,
  ResolvedLambdaBackend,
  ResolvedLocalBackend,
  ResolvedSpeculation,
} from './spec/types.js';
export type { S3Connection, UploadTarget } from './spec/types.js';
export type { TaskOptions } from './spec/task-options.js';
export type { Activation, Task } from './protocol/task-schema.js';
export type { ResolvedTask } from './protocol/task-output.js';
export type { PreprocessDeclaration } from './protocol/preprocess-resolve.js';
export type { ResolvedPreprocess } from './protocol/preprocess.js';
export type { ResolvedRetry } from './backends/resolved-backend.js';
export type { FaultPolicy, ReadErrorFault, WorkerFaultDecision, WorkerFaults } from './core/faults.js';
export type { Split } from './core/splitting.js';
export type { AttemptKind, AttemptOutcome, AttemptRef, SplitAttempt } from './core/split-types.js';
export type { CopyDecision } from './core/speculation.js';
export type { DynamicInvocationReason, InvocationReason, WorkerLostEvent } from './core/dispatch-types.js';
export type { ContractRecord } from './manager/job-contract.js';
export type { DispatcherRecord, DispatcherTlsRecord } from './manager/dispatcher-record.js';
export type { DispatcherCounters } from './rpc/dispatcher-options.js';
export type { ResultsOrder } from './manager/results-file.js';
export type { ResolvedInputs } from './dataset/inputs.js';
export type {
  InvocationEndedEvent,
  InvocationStartedEvent,
  JobEndedEvent,
  JobErrorEvent,
  JobEvent,
  JobEventListener,
  JobProgress,
  JobStartedEvent,
  JobStatus,
  JobWarningEvent,
  SplitDoneEvent,
} from './manager/job-events.js';
export type {
  FaultRecord,
  InvocationRecord,
  JobPlanRecord,
  JobRecord,
  JobRunRecord,
  JobSummary,
  PlanPrediction,
  SplitRecord,
} from './manager/types.js';
export type { ClassScore, InputErrorKind, InputResult } from './core/prediction.js';
export type { EmbeddingRef } from './core/prediction.js';
export { BUILTIN_MODELS, type BuiltinModelName } from './models/builtin.js';

// Plans and what they predict.
export { planJob } from './job-plan/plan-job.js';
export type { PlanOptions, PlanSpec } from './job-plan/plan-job.js';
export type {
  CostPrediction,
  JobPlan,
  PlannedFunctions,
  PlannedInvocations,
  TimeEstimate,
} from './job-plan/types.js';
export type { DryRun, DryRunFile } from './manager/dry-run.js';
export type { FileDigest } from './util/file-digest.js';
export { loadTimeEstimate, profileEstimate, type TimeEstimateSource } from './api/time-estimate.js';
export type { SplitRange } from './core/splitting.js';
export type { BackendCapacity, FunctionCpus } from './core/function-cpus.js';

// A day of jobs: simulated on a virtual clock, or replayed for real.
export { simulateDay, type SimulateDayOptions, type SimulateDayResult } from './api/simulate-day.js';
export { replayDay, type ReplayDayOptions, type ReplayedDay } from './api/replay-day.js';
export type { DayOptions, DayPolicy } from './api/day.js';
export type { DayJob } from './trace/day-trace.js';
export type { DayJobReport, DayReport, DayTotals, Distribution } from './trace/day-report.js';
export type { DayDispatchCounts, DayJobOutcome } from './trace/day-report.js';
export type { DayComparison } from './report/day/day-html.js';
export type { JobMode } from './orchestrator/types.js';
export type { ReplayRun } from './replay/replay-trace.js';
export type { SimulatedDay } from './simulate/run.js';
export type { SimulatedJobOptions } from './simulate/simulated-jobs.js';
export type { ReplayProgress } from './replay/run-replay.js';
export type { SimulationStats } from './simulate/simulator.js';
export type { FunctionProfile, FunctionProfileInput } from './simulate/profile.js';

// Planning: the CPR model, its fit, and the worker count for a cost target or a deadline.
export { fitCprModel, type CprFitOptions } from './planning/cpr-fit.js';
export { planOptions, planWorkers } from './planning/planner.js';
export type { Plan, PlanOption, PlanRequest, PlanTarget } from './planning/planner.js';
export { parseCprModel, predictCpr, predictLatency, REFERENCE_CPR_MODEL } from './planning/cpr-model.js';
export type {
  ComputeCoefficients,
  CprModel,
  FitQuality,
  InitCoefficients,
  LatencyCoefficients,
} from './planning/cpr-model.js';
export { parseCprSamples, type CprSample } from './planning/cpr-records.js';
export type { MachineLoad } from './planning/cpr-records.js';
export type { Precision } from './planning/precision.js';
export { LAMBDA_PRICES, pricePerSecondUsd, resolvePrices } from './core/pricing.js';
export type { CostSummary } from './core/pricing.js';
export type { Arch, PriceModel, PriceOverrides } from './core/pricing.js';

// Reports of a job folder.
export { writeJobReport, type WriteReportOptions, type WrittenReport } from './report/write-report.js';
export type { FolderKind } from './report/write-report.js';
export { readJobRecord } from './report/job/job-folder.js';
export { compareJobs } from './report/compare/compare-jobs.js';
export type {
  ClassifyAgreement,
  ComparedClass,
  ComparedFigure,
  ComparedFigureName,
  ComparedFigures,
  ComparedIntervals,
  ComparedJob,
  ComparedKeys,
  DifferingPrediction,
  EmbedAgreement,
  JobComparison,
  RatioInterval,
  OneSidedError,
  VectorSimilarity,
} from './report/compare/job-comparison.js';

// Where functions run and where data lives, for those who bring their own.
export { createBackend, type CreateBackendOptions } from './backends/factory.js';
export type { ComputeBackend, Invocation, InvocationStats, InvokeOptions } from './backends/backend.js';
export type { LogSink } from './backends/local/function-process.js';
export type {
  DispatcherRef,
  DynamicWorkerReport,
  ModelRef,
  PipelineConfig,
  SplitResult,
  StaticSplit,
  WorkerPayload,
  WorkerResult,
  WorkerTimings,
} from './protocol/invocation.js';
export type { WorkPayloadFields } from './protocol/invocation.js';
export type { DispatcherTlsRequirement, FunctionAccess } from './protocol/function-access.js';
export { openStore } from './storage/open-store.js';
export type { BlobStore } from './storage/blob-store.js';
export type { StorageRef } from './core/storage-ref.js';

// Synthetic datasets, for trying it out.
export { generateDataset } from './api/dataset.js';
export type { DatasetProgress, GenerateDatasetOptions, GeneratedDataset } from './dataset/generate.js';

// Errors: each class carries data, so that code reads fields rather than messages.
export {
  AccessError,
  BackendError,
  ModelError,
  ObiError,
  SpecError,
  StorageError,
  UserError,
} from './errors.js';
export type { Issue, SpecErrorOptions, StorageErrorCode } from './errors.js';
