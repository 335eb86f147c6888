/**
 * How a job's inputs reach its functions: one strategy per `spec.dispatch.type` behind one
 * interface (`static` chunks, `dynamic` pulls); a new mode adds a strategy to
 * {@link dispatchStrategies}.
 */
import type { ReopenedSplit } from '../core/input-retry.js';
import { UserError } from '../errors.js';
import { ownEntry } from '../util/schema.js';
import type { ResolvedJobSpec } from '../spec/types.js';
import type { StorageRef } from '../core/storage-ref.js';
import type { ModelRef, PipelineConfig } from '../protocol/invocation.js';
import type { Task } from '../protocol/task-schema.js';
import type { Split } from '../core/splitting.js';
import type { WorkerFaults } from '../core/faults.js';
import type { InvocationReason } from '../core/dispatch-types.js';
import type { JobBackend } from './counting-backend.js';
import type { DispatcherTls } from './dispatcher-tls.js';
import type { DispatcherRecord } from './dispatcher-record.js';
import { runDynamicDispatch } from './dynamic-dispatch.js';
import type { ResultSink } from './result-sink.js';
import { runStaticDispatch } from './static-dispatch.js';
import type { InvocationRecord, SplitRecord } from './types.js';

/** An invocation's record as this run writes it: always with why it was started. */
export type RunInvocationRecord = InvocationRecord & { reason: InvocationReason };

/** Everything a strategy needs to run a job's splits. */
export interface DispatchContext {
  jobId: string;
  spec: ResolvedJobSpec;
  keys: readonly string[];
  /** The splits to run, in plan order (a resumed job leaves out those finished earlier). */
  splits: readonly Split[];
  /** `--retry-errors`: splits of `splits` whose inputs with a passing error alone run. */
  reopened?: readonly ReopenedSplit[];
  /** Function invocations the job plan starts for them (`plan.invocations.count`). */
  plannedWorkers: number;
  /** The pipeline settings every function receives (`plan.pipeline`). */
  pipeline: PipelineConfig;
  /** Prefix of this run's worker ids: '' for a first run, `r1.` for the first resume. */
  workerIdPrefix: string;
  storage: StorageRef;
  /** The model as workers read it (a resolved path or URI). */
  model: ModelRef;
  /** What every function computes from the model's output (checked against the model). */
  task: Task;
  /** The job's backend: each invocation says why the dispatch core started it. */
  backend: JobBackend;
  sink: ResultSink;
  /** Aborted on cancellation and when the job is stopped by a fatal error. */
  signal: AbortSignal;
  /** Stops the job for a reason retrying cannot fix (a bad payload, an unusable model). */
  stop: (reason: string) => void;
  /** Collects every invocation's record, in completion order. */
  recordInvocation: (record: RunInvocationRecord) => void;
  faultsFor: (workerId: string, attempt: number) => WorkerFaults | undefined;
  /** Dynamic jobs: the dispatcher's TLS (absent: clear text). */
  dispatcherTls?: DispatcherTls | undefined;
  now: () => number;
}

/** What a strategy hands back: the splits it planned and their records. */
export interface DispatchOutcome {
  splits: readonly Split[];
  records: SplitRecord[];
  /** Function invocations the plan asked for (not counting retries). */
  workers: number;
  /** The pipeline settings the functions received. */
  pipeline: PipelineConfig;
  /** Dynamic jobs: what the split dispatcher saw. */
  dispatcher?: DispatcherRecord;
}

export type DispatchStrategy = (context: DispatchContext) => Promise<DispatchOutcome>;

/** The strategy of each dispatch type. */
export const dispatchStrategies: Record<ResolvedJobSpec['dispatch']['type'], DispatchStrategy> = {
  static: runStaticDispatch,
  dynamic: runDynamicDispatch,
};

/** The strategy of a dispatch type: an own entry only (a type 'toString' names none). */
export function dispatchStrategy(type: string): DispatchStrategy {
  const strategy = ownEntry(dispatchStrategies, type);
  if (!strategy)
    throw new UserError(`dispatch.type: unknown dispatch type '${type}' (expected static or dynamic)`);
  return strategy;
}
