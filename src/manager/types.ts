/** The shapes of one job's life: progress events, invocation and split records, `job.json`. */
import type { InvocationStats } from '../backends/backend.js';
import type { InvocationReason } from '../core/dispatch-types.js';
import type { WorkerFaultDecision, FaultPolicy, WorkerFaults } from '../core/faults.js';
import type { SplitAttempt } from '../core/split-types.js';
import type { ResolvedJobSpec } from '../spec/types.js';
import type { StorageRef } from '../core/storage-ref.js';
import type { DynamicWorkerReport, PipelineConfig, WorkerTimings } from '../protocol/invocation.js';
import type { ResolvedTask } from '../protocol/task-output.js';
import type { Task } from '../protocol/task-schema.js';
import type { PlannedFunctions } from '../job-plan/types.js';
import type { DispatcherRecord } from './dispatcher-record.js';
import type { ContractRecord } from './job-contract.js';
import type { JobStatus } from './job-events.js';
import type { ResultsOrder } from './results-file.js';

/** One invocation as `job.json` records it: the backend's stats plus what it ran and how it ended. */
export interface InvocationRecord extends InvocationStats {
  workerId: string;
  /** Why the dispatch core started it (absent in records written before reasons were kept). */
  reason?: InvocationReason;
  splitIds: string[];
  /** 0 for a split's first attempt, 1 for its first retry, ... */
  attempt: number;
  ok: boolean;
  error?: string;
  retryable?: boolean;
  /** Process id of the function runtime, when it answered. */
  pid?: number;
  /** Model load time reported by the worker (cold processes). */
  modelLoadMs?: number;
  /** Where the function spent its time (stage busy time, images), when it answered. */
  timings?: WorkerTimings;
  faults?: WorkerFaults;
  /** Dynamic workers: what the dispatcher did with the splits it returned. */
  dispatch?: DynamicWorkerReport;
  /**
   * Stopped by the job manager: because every split was done (still starting, or not returning
   * after "stop"), or because the job was cancelled or stopped by another failure. Not counted
   * as a failure.
   */
  stopped?: boolean;
  /**
   * An invocation whose start was recorded but not its end (the job manager was killed while it
   * ran): its times and billed time are estimated (`run-accounting.ts`), and it is not counted
   * as a failure.
   */
  estimated?: true;
}

/** One split as `job.json` records it. */
export interface SplitRecord {
  splitId: string;
  inputs: number;
  status: 'pending' | 'running' | 'done';
  /** Worker of the attempt whose results were kept (null when none succeeded). */
  workerId: string | null;
  startedAt: number | null;
  endedAt: number | null;
  /** Attempts after the first. */
  retries: number;
  /** Why the split's inputs carry errors; null when it succeeded. */
  error: string | null;
  attempts: SplitAttempt[];
  /** The run of the job that finished it: 0, or n for the n-th `--resume`. */
  run?: number;
}

/** One run of a job: the first, and one per `--resume`. */
export interface JobRunRecord {
  run: number;
  startedAt: string;
  /** Null for a run that did not end (its job manager died). */
  endedAt: string | null;
  /** Splits this run had to process, and those earlier runs had finished. */
  splitsToRun: number;
  splitsAlreadyDone: number;
  /** Prefix of this run's worker ids (`r1.` for the first resume). */
  workerIdPrefix: string;
  /** The job manager's process and host. */
  pid?: number;
  host?: string;
  /**
   * A run that did not end (`endedAt` null): the last moment its records show it alive, taken
   * as its end by the accounts of a resumed job.
   */
  lastSeenAt?: string;
  /** Its first submit to its last result line, in seconds (in `job.json`). */
  latencySeconds?: number;
}

/** Faults injected into the job's workers (experiments). */
export interface FaultRecord {
  policy: FaultPolicy;
  /**
   * Every worker given a fault, in the order they were started, over every run of the job
   * (`run` says which, for a resumed job).
   */
  workers: Array<WorkerFaultDecision & { run?: number }>;
}

/**
 * The numbers of a job, for the table, `--json` and `job.json` (the README's Outputs section
 * says what each means). Null where a figure means nothing for the job.
 */
export interface JobSummary {
  job: string;
  jobId: string;
  status: JobStatus;
  /**
   * Why a `cancelled` job was cancelled: the reason its signal was aborted with (an Error's
   * message, or the string given), with credentials in URLs masked; absent when the abort gave
   * no reason of those kinds.
   */
  cancelReason?: string;
  /** SHA-256 (hex) of the model file the job ran (absent in summaries from before it was kept). */
  modelSha256?: string;
  mode: string;
  backend: string;
  inputs: number;
  ok: number;
  errors: number;
  /** Workers the job planned; for a resumed job, those its last run planned (for the splits left). */
  workers: number;
  /** Invocations over every run of the job (retries, replacements and copies included). */
  invocations: number;
  /**
   * A resumed job: those of `invocations` that earlier runs made (absent for one run); the last
   * run made the rest.
   */
  invocationsInEarlierRuns?: number;
  failedInvocations: number;
  retries: number;
  coldStarts: number;
  /** First submit (the job's start when none) to the last result line, whatever the status. */
  elapsedSeconds: number;
  /**
   * First submit to the last result line of a completed job with at least one prediction; null
   * for a cancelled or failed job, or one where no input got a prediction. A resumed job sums
   * its runs' (`job.json` `runs[].latencySeconds`), leaving out the time between them.
   */
  latencySeconds: number | null;
  /** A resumed job: how many runs its latency and throughput add up (absent for one run). */
  runs?: number;
  /** Predictions per second, first submit to the last prediction; null when there is none. */
  imagesPerSecond: number | null;
  billedSeconds: number;
  /**
   * Invocations whose end was not recorded (a job manager killed while they ran), and the
   * billed seconds estimated for them (included in `billedSeconds` and the cost); absent when
   * there are none.
   */
  estimatedInvocations?: number;
  estimatedBilledSeconds?: number;
  functionSeconds: number;
  initSeconds: number;
  costUsd: number;
  /** `costUsd` per input, times a million (the reference's cost per request). */
  costPerMillionImagesUsd: number;
  /**
   * Predictions per dollar (throughput per dollar in the reference's terms); null when free or
   * when no input got a prediction.
   */
  imagesPerDollar: number | null;
  priceModel: string;
  memoryMb: number;
  out: string;
}

/**
 * A plan's prediction, from a time estimate (a simulator profile or a CPR model) measured at the
 * functions' memory: what the job should cost and take, set against what it did in the report.
 */
export interface PlanPrediction {
  /** Where the time estimate came from, e.g. `profile lambda-resnet50-3008`. */
  basis: string;
  costUsd: number;
  costPerMillionImagesUsd: number;
  /** First submit to last result, with no failure. */
  latencySeconds: number;
  billedSeconds: number;
  priceModel: string;
}

/** What `job.json` keeps of the job's plan (`planJob()`). */
export interface JobPlanRecord {
  /** Splits of the plan, and the function invocations it started with (retries and copies on top). */
  splits: number;
  invocations: number;
  /** The prediction, when a time estimate was given and fits the functions. */
  predicted?: PlanPrediction;
  /** Why there is no prediction: no time estimate, or one measured at another memory size. */
  noPrediction?: string;
}

/** `job.json`. */
export interface JobRecord {
  version: 1;
  jobId: string;
  name: string;
  status: JobStatus;
  /** Why the job stopped early, when it did. */
  stopReason?: string;
  startedAt: string;
  endedAt: string;
  spec: ResolvedJobSpec;
  /** The pipeline settings the functions received (threads for each function's vCPUs). */
  pipeline: PipelineConfig;
  /** What each function had and got, from the job's plan: memory, vCPUs, threads. */
  functions?: PlannedFunctions;
  /** The plan this run ran: its size and, when a time estimate was given, what it predicted. */
  plan?: JobPlanRecord;
  inputs: { location: string; kind: 'manifest' | 'folder'; storage: StorageRef; count: number };
  /**
   * The model and labels as given, and as the functions received them (`path`, and
   * `labelsPath` when the labels were fetched from storage into a local copy).
   */
  model: {
    uri: string;
    path: string;
    labelsUri?: string;
    labelsPath?: string;
    /** The model file's SHA-256 and size as the job started (absent in records from before they were kept). */
    sha256?: string;
    bytes?: number;
    labelsSha256?: string;
    labelsBytes?: number;
  };
  /**
   * The model's contract as the job resolved it: the preprocessing its functions ran, the task
   * the model declares, and where each part came from (flags, job spec, model metadata,
   * defaults). Absent when the model could not be read as ONNX before the job started.
   */
  contract?: ContractRecord;
  summary: JobSummary;
  /** What the functions computed: the task with its output and settings resolved. */
  task?: Task | ResolvedTask;
  /** An embed job's vectors: the Parquet file, its rows (one per ok input) and their length. */
  embeddings?: { file: string; rows: number; dims: number | null };
  /** The order of `results.jsonl`: input order once the job completed (see `results-file.ts`). */
  resultsOrder?: ResultsOrder;
  splits: SplitRecord[];
  invocations: InvocationRecord[];
  /** Every run of the job (more than one when it was resumed). */
  runs?: JobRunRecord[];
  /** Dynamic jobs: the split dispatcher's address, counters and events (never its token). */
  dispatcher?: DispatcherRecord;
  faults?: FaultRecord;
}

/**
 * What the job's model and labels files held when it started (`job.spec.json` and `job.json`
 * keep it): a resume refuses files that changed, and the functions refuse a model that did.
 */
export interface ModelDigests {
  /** SHA-256 (hex) and size in bytes of the model file the functions load. */
  sha256: string;
  bytes: number;
  /** The labels file's, for a job with one. */
  labelsSha256?: string;
  labelsBytes?: number;
}
