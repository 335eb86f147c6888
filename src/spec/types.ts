/** A job spec after {@link compileJobSpec}: every default applied, units in the names. */
import type { FaultPolicy } from '../core/faults.js';
import type { PriceModel } from '../core/pricing.js';
import type { StorageRef } from '../core/storage-ref.js';
import type { ModelRef, PipelineConfig } from '../protocol/invocation.js';
import type { ResolvedBackend } from '../backends/resolved-backend.js';
import type { PreprocessDeclaration } from '../protocol/preprocess-resolve.js';
import type { TaskOptions } from './task-options.js';

export type {
  ResolvedBackend,
  ResolvedHttpBackend,
  ResolvedLambdaBackend,
  ResolvedLocalBackend,
} from '../backends/resolved-backend.js';

/** Speculative copies of straggling splits (dynamic mode), as in the reference. */
export interface ResolvedSpeculation {
  /** Copies start once done/total splits exceeds this. */
  quantile: number;
  /** Copy a split whose attempt has run longer than this many times the median split. */
  multiplier: number;
  intervalMs: number;
  /** Extra workers the job may invoke to run copies (0 or 1). */
  extraWorkers: number;
}

/**
 * Dynamic dispatch: inputs cut into splits of `splitSize`; workers pull splits from the job
 * manager's dispatcher (gRPC, job token, heartbeats) until none are left.
 */
export interface DynamicDispatchSpec {
  type: 'dynamic';
  /** Extra attempts per split: retries after a failure, and speculative copies. */
  maxSplitRetries: number;
  keepAliveIntervalMs: number;
  /** A worker not heard from for this long is given up and its split retried. */
  workerSilentTimeoutMs: number;
  /** Interface the dispatcher binds (127.0.0.1 unless set). */
  host: string;
  /** Host name or address the workers are told to connect to. */
  advertiseHost: string;
  /** Port to bind; 0 for any free port. */
  port: number;
  /** Null when speculation is off. */
  speculation: ResolvedSpeculation | null;
  /** Whether and with which certificate the dispatcher speaks TLS. */
  tls: DispatcherTlsSpec;
}

/**
 * TLS of the split dispatcher: `off` (clear text), `self-signed` (a new certificate and key for
 * the job, the key in memory only), or `files` (the user's certificate and key, absolute paths,
 * read when the job starts). The workers pin the certificate the payload carries.
 */
export type DispatcherTlsSpec =
  { mode: 'off' } | { mode: 'self-signed' } | { mode: 'files'; certFile: string; keyFile: string };

/**
 * How inputs reach workers (a tagged union). `static`: `workers` contiguous chunks, one
 * invocation each; `dynamic`: workers pull splits (see {@link DynamicDispatchSpec}).
 */
export type DispatchSpec = { type: 'static' } | DynamicDispatchSpec;

/**
 * A job with every setting decided: what `compileJobSpec` (the API's `resolveJobSpec`) returns,
 * what the job manager runs and `job.spec.json` saves. Units are in the names (`timeoutMs`).
 */
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
  /**
   * The preprocessing as the user declared it, highest precedence first (each with where it was
   * written: a flag, a file, the environment). Below them come the model's metadata and the
   * default preset, when the job starts and reads the model. Absent: nothing declared.
   */
  preprocess?: PreprocessDeclaration[];
  /**
   * The task as given (flags, config, environment); absent fields come from the model's
   * metadata or the defaults when the job starts (`jobTask`). Absent: classify.
   */
  task?: TaskOptions;
  /**
   * Where each field of `task` was set, by field (`kind: '--task'`, `output: 'job.yaml'`); a
   * field not named here was set by the job spec object. `job.json`'s contract says it.
   */
  taskSources?: Record<string, string>;
  /** Worker pipeline settings, `topK` included. */
  pipeline: PipelineConfig;
  /**
   * Where `topK` was set (a flag, a variable, a file; `job spec` for the options object), when
   * the job's options set it; absent: the default. A classify setting: a job whose model makes
   * it an embed job is refused when the model is read.
   */
  topKSource?: string;
  /**
   * True when `pipeline.predict.intraOpThreads` was left to its default: the job plan gives each
   * function threads for the vCPUs its backend says it has (see `job-plan/`), and `pipeline`
   * holds 1 until then. False or absent: the threads set are used as they are.
   */
  autoThreads?: boolean;
  /**
   * Absolute path of the folder the job writes: the output folder, or with {@link uploadTo} the
   * local staging folder whose files are uploaded when the job ends.
   */
  outDir: string;
  /** Where the job's files go when `--out` is an `s3://` prefix (absent: they stay in `outDir`). */
  uploadTo?: UploadTarget;
  /** How to reach the S3 service of the job's `s3://` locations, when set. */
  s3?: S3Connection;
  prices: PriceModel;
  /** Faults injected into workers, for experiments (absent: none). */
  faults?: FaultPolicy;
}

/** Settings that reach an S3-compatible service (credentials never: the SDK's chain finds them). */
export interface S3Connection {
  endpoint?: string;
  region?: string;
  forcePathStyle?: boolean;
}

/** An `s3://bucket/prefix` the job's files are uploaded to, and the store that holds it. */
export interface UploadTarget {
  /** `s3://bucket/prefix`, without a trailing slash. */
  uri: string;
  /** The bucket, with `prefix` (no leading or trailing slash) and the connection settings. */
  store: Extract<StorageRef, { type: 's3' }>;
}

/** What compiling needs from the outside world; passed in so that compiling stays pure. */
export interface CompileContext {
  /** Cores of this machine (the local backend's default concurrency). */
  cores: number;
  /** Names the default output folder. */
  now: Date;
  /** Relative paths resolve against it. */
  cwd: string;
  /**
   * Where the staging folders of `s3://` outputs go, one per URL (`$OBIFAAS_HOME/staging`);
   * without it, such an output needs `staging`.
   */
  stagingRoot?: string;
  /**
   * The preprocessing declarations of the options' sources, highest first (files read): set
   * where options are gathered from flags, files and the environment. Absent: the options'
   * `preprocess` section is one declaration.
   */
  preprocess?: PreprocessDeclaration[];
  /** Where each set option came from, by dotted path (`task.kind` -> `--task`). */
  sources?: ReadonlyMap<string, string>;
}
