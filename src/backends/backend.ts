/**
 * Where functions run. The job manager only sees this interface; `local`, `lambda` and `http`
 * implement it and pass one conformance suite (`backends/conformance.ts`).
 */
import type { BackendCapacity, FunctionCpus } from '../core/function-cpus.js';
import type { FunctionAccess } from '../protocol/function-access.js';
import type { WorkerPayload, WorkerResult } from '../protocol/invocation.js';

/** The statistics every backend records per invocation, so costs don't depend on the backend. */
export interface InvocationStats {
  invocationId: string;
  /** Epoch ms when the manager submitted the invocation. */
  submittedAt: number;
  /** Epoch ms when the function started running it (after any cold start). */
  startedAt: number;
  /** Epoch ms when the result (or failure) came back. */
  endedAt: number;
  durationMs: number;
  /** Duration rounded up to the millisecond, as Lambda bills. */
  billedMs: number;
  /** Init (cold start) time billed separately or reported by the platform; 0 when warm. */
  initMs: number;
  cold: boolean;
  memoryMb: number;
  /** Peak memory reported by the platform, when known. */
  maxMemoryUsedMb?: number;
}

/** A finished invocation: `result` on success, `error` otherwise; `stats` either way. */
export type Invocation =
  | { ok: true; result: WorkerResult; stats: InvocationStats }
  | { ok: false; error: Error; stats: InvocationStats };

/** How one invocation may be stopped. */
export interface InvokeOptions {
  signal?: AbortSignal;
  /** Fail the invocation (and stop its function) after this long. */
  timeoutMs?: number;
}

/**
 * A place that runs worker invocations. Owns its processes/clients; `close()` releases them.
 * What it tells of its functions (memory, concurrency, CPUs) is what a job plan is made from.
 */
export interface ComputeBackend extends BackendCapacity {
  readonly name: string;
  /** Memory configured for each function, in MB (for billing). */
  readonly memoryMb: number;
  /** How many invocations may run at once. */
  readonly maxConcurrency: number;
  /** How each function gets its CPUs (Lambda: from its memory; local: the machine's share). */
  readonly functionCpus: FunctionCpus;
  /** Never rejects for a failed invocation: failures come back as `{ok: false}`. */
  invoke(payload: WorkerPayload, options?: InvokeOptions): Promise<Invocation>;
  /**
   * Lets this backend's functions read and dial what `access` names too, from the next
   * invocation on: the job manager deploys a job's local functions this way (its input root,
   * model and labels files, dispatcher). Backends whose functions are deployed elsewhere
   * (Lambda: `obifaas deploy`; HTTP: `serve-function`'s settings) leave it out.
   */
  allowFunctions?(access: FunctionAccess): void;
  close(): Promise<void>;
}
