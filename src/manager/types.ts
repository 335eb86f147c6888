/** The shapes of one job's life: progress events, invocation and split records, `job.json`. */
import type { InvocationStats } from '../backends/backend.js';
import type { LogSink } from '../backends/local/function-process.js';
import type { ComputeBackend } from '../backends/backend.js';
import type { SplitAttempt } from '../core/split-types.js';
import type { ResolvedInputs } from '../dataset/inputs.js';
import type { ResolvedBackend, ResolvedJobSpec } from '../spec/types.js';
import type { StorageRef } from '../storage/blob-store.js';
import type { PipelineConfig, WorkerFaults } from '../worker/types.js';

/** Sent after each finished split (and once at the start). */
export interface JobProgress {
  total: number;
  /** Inputs with a result line (prediction or error). */
  done: number;
  ok: number;
  errors: number;
  elapsedMs: number;
}

/** One invocation as `job.json` records it: the backend's stats plus what it ran and how it ended. */
export interface InvocationRecord extends InvocationStats {
  workerId: string;
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
  faults?: WorkerFaults;
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
}

/** How a job ended: every input has a line in each case. */
export type JobStatus = 'completed' | 'cancelled' | 'failed';

/** The numbers of a job, for the table, `--json` and `job.json`. */
export interface JobSummary {
  job: string;
  jobId: string;
  status: JobStatus;
  mode: string;
  backend: string;
  inputs: number;
  ok: number;
  errors: number;
  workers: number;
  invocations: number;
  failedInvocations: number;
  retries: number;
  coldStarts: number;
  /** First submit to last result. */
  latencySeconds: number;
  imagesPerSecond: number;
  billedSeconds: number;
  functionSeconds: number;
  initSeconds: number;
  costUsd: number;
  costPerMillionImagesUsd: number;
  /** Images per dollar (throughput per dollar in the reference's terms); null when free. */
  imagesPerDollar: number | null;
  priceModel: string;
  memoryMb: number;
  out: string;
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
  /** The pipeline settings the functions received (threads shared among concurrent functions). */
  pipeline: PipelineConfig;
  inputs: { location: string; kind: 'manifest' | 'folder'; storage: StorageRef; count: number };
  model: { uri: string; path: string; labelsUri?: string };
  summary: JobSummary;
  splits: SplitRecord[];
  invocations: InvocationRecord[];
}

/** I/O and time seams of `runJob`, with production defaults. */
export interface RunJobDeps {
  /**
   * Use these inputs instead of resolving `spec.inputs` (a replay resolves its dataset once and
   * gives each job its keys; a key may repeat and then gets one result line per occurrence).
   */
  inputs?: ResolvedInputs;
  /** Use this backend (not closed by the job); default: one made from the spec, closed at the end. */
  backend?: ComputeBackend;
  createBackend?: (spec: ResolvedBackend, log: LogSink) => ComputeBackend;
  /** Cancels the job: no new invocations, running ones stopped, unfinished inputs get "cancelled". */
  signal?: AbortSignal;
  onProgress?: (progress: JobProgress) => void;
  /**
   * Faults to inject into one invocation (experiments and tests): called with the worker id and
   * the attempt number of its split.
   */
  faultsFor?: (workerId: string, attempt: number) => WorkerFaults | undefined;
  /** Where builtin models are cached; default `obifaasHome()`. */
  home?: string;
  now?: () => number;
}

/** What `runJob` returns. */
export interface JobOutcome {
  record: JobRecord;
  summary: JobSummary;
  outDir: string;
}
