/** A job spec after {@link compileJobSpec}: every default applied, units in the names. */
import type { PriceModel } from '../core/pricing.js';
import type { StorageRef } from '../storage/blob-store.js';
import type { ModelRef, PipelineConfig } from '../worker/types.js';

/** The local backend: functions are long-lived child processes on this machine. */
export interface ResolvedLocalBackend {
  type: 'local';
  maxConcurrency: number;
  memoryMb: number;
  timeoutMs: number;
}

/** Where the job's functions run (a tagged union; cloud backends add members). */
export type ResolvedBackend = ResolvedLocalBackend;

/**
 * How inputs reach workers (a tagged union). `static`: `workers` contiguous chunks, one
 * invocation each. Dynamic dispatch adds a member with its own settings.
 */
export type DispatchSpec = { type: 'static' };

export interface ResolvedJobSpec {
  name: string;
  /** A manifest file, a folder of images, or a storage URI; absolute when local. */
  inputs: string;
  /** `uri` is an absolute path, a storage URI, or a builtin model name (`resnet50`, `tiny`). */
  model: ModelRef;
  /** The storage holding the inputs, when given explicitly; else derived from `inputs`. */
  storage?: StorageRef;
  backend: ResolvedBackend;
  dispatch: DispatchSpec;
  /** Function invocations (static: chunks); undefined = decide from the inputs (see manager). */
  workers?: number;
  splitSize: number;
  maxRetries: number;
  /** Worker pipeline settings, `topK` included. */
  pipeline: PipelineConfig;
  /**
   * Present when `pipeline.predict.intraOpThreads` was left to its default: the manager gives
   * each function `floor(cores / functions running at once)` threads (at least 1).
   */
  autoThreads?: { cores: number };
  /** Absolute path of the output folder. */
  outDir: string;
  prices: PriceModel;
}

/** What compiling needs from the outside world; passed in so that compiling stays pure. */
export interface CompileContext {
  /** Cores of this machine (local backend default concurrency and thread counts). */
  cores: number;
  /** Names the default output folder. */
  now: Date;
  /** Relative paths resolve against it. */
  cwd: string;
}
