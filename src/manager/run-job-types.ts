/** What `runJob` takes besides the spec (its I/O and time seams, a resume's state) and returns. */
import type { ComputeBackend } from '../backends/backend.js';
import type { LogSink } from '../backends/local/function-process.js';
import type { WorkerFaultDecision, WorkerFaults } from '../core/faults.js';
import type { ReopenedSplit } from '../core/input-retry.js';
import type { InputResult } from '../core/prediction.js';
import type { ResolvedInputs } from '../dataset/inputs.js';
import type { TimeEstimate } from '../job-plan/types.js';
import type { ResolvedBackend } from '../spec/types.js';
import type { JobEventListener } from './job-events.js';
import type { JobLock } from './job-lock.js';
import type { SplitLogLine } from './result-sink.js';
import type { InvocationRecord, JobRecord, JobRunRecord, JobSummary, ModelDigests } from './types.js';

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
  /** Receives the job's events (invocations, splits, errors), each with the job's progress. */
  onProgress?: JobEventListener;
  /**
   * Faults to inject into one invocation (experiments and tests): called with the worker id and
   * the attempt number of its split.
   */
  faultsFor?: (workerId: string, attempt: number) => WorkerFaults | undefined;
  /** Where builtin models are cached; default `obifaasHome()`. */
  home?: string;
  /** Time source of the job's timing and records (epoch ms); default `steadyNow`. */
  now?: () => number;
  /** Continue a job whose job manager stopped, in its own folder (see `prepareResume`). */
  resume?: ResumeState;
  /** How long a function takes: the plan then predicts the job's cost, and `job.json` keeps it. */
  estimate?: TimeEstimate;
  /**
   * The lock of the job's folder, held by the caller (a resume takes it before reading the
   * folder); without it, the job takes the lock itself and releases it when it ends.
   */
  lock?: JobLock;
  /**
   * Called once `job.spec.json` is written, before any function starts (an `s3://` output
   * uploads it here, so a job that cannot write its outputs stops before it runs). What it
   * throws stops the job, as a bad input would.
   */
  onSpecWritten?: (outDir: string) => Promise<void>;
}

/** What a resumed job carries over from its earlier runs. */
export interface ResumeState {
  jobId: string;
  /** Epoch ms the first run started. */
  firstStartedAt: number;
  /** Digest of the inputs the job started with (they must not have changed). */
  inputsDigest: string;
  /**
   * What the model and labels files held when the job started; absent for a job started before
   * they were recorded (its model cannot be checked).
   */
  modelDigests?: ModelDigests;
  /** The `splits.jsonl` lines of the splits finished so far. */
  doneSplits: SplitLogLine[];
  /** The `results.jsonl` lines of those splits. */
  lines: InputResult[];
  invocations: InvocationRecord[];
  runs: JobRunRecord[];
  /** Faults injected into earlier runs' workers, from their recorded starts. */
  faults?: Array<WorkerFaultDecision & { run: number }>;
  /**
   * `--retry-errors`: the splits taken out of a complete job's records and not written again
   * yet (`retry-errors.jsonl`), whose inputs with a passing error run again (their other lines
   * are held).
   */
  reopened?: ReopenedSplit[];
}

/** What `runJob` returns. */
export interface JobOutcome {
  record: JobRecord;
  summary: JobSummary;
  outDir: string;
}
