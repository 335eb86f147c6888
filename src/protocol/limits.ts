/**
 * The limits of a worker payload's pipeline settings, defined once. The job spec refuses a job
 * over them before anything starts, the worker refuses a payload over them, and the optimizer's
 * worker settings are bounded by them, so a job that compiles is one every function accepts.
 * They are bounds on what can run at all, not recommendations (defaults: `worker/defaults.ts`).
 */

/**
 * Images per inference batch. The input tensor alone of 4096 images of 3x224x224 float32 is
 * about 2.5 GB, already a quarter of the largest function (10,240 MB) before activations, so a
 * larger batch cannot run on any function.
 */
export const MAX_BATCH_SIZE = 4096;

/**
 * Classes reported per input. A split of 32 inputs x 1000 classes is about 1.3 MB of JSON, well
 * inside Lambda's 6 MB response and the dispatcher's message limit; 1000 is also every class of
 * an ImageNet model.
 */
export const MAX_TOP_K = 1000;

/** Concurrent input fetches of the load stage (network-bound, so it may far exceed the cores). */
export const MAX_LOAD_CONCURRENCY = 4096;

/** Concurrent decodes of the preprocess stage (CPU-bound; no function has more cores than this). */
export const MAX_PREPROCESS_CONCURRENCY = 256;

/** ONNX Runtime threads per session, intra- or inter-op (no function has more cores than this). */
export const MAX_SESSION_THREADS = 256;

/** Concurrent inference sessions per function, each holding its own copy of the model. */
export const MAX_REPLICAS = 64;

/** The largest value of each pipeline setting, by its path under a payload's `pipeline`. */
export const PIPELINE_LIMITS = {
  'load.concurrency': MAX_LOAD_CONCURRENCY,
  'preprocess.concurrency': MAX_PREPROCESS_CONCURRENCY,
  'predict.batchSize': MAX_BATCH_SIZE,
  'predict.intraOpThreads': MAX_SESSION_THREADS,
  'predict.interOpThreads': MAX_SESSION_THREADS,
  'predict.replicas': MAX_REPLICAS,
  topK: MAX_TOP_K,
} as const;

/** A pipeline setting's path under `pipeline` (`predict.batchSize`, `topK`...). */
export type PipelineField = keyof typeof PIPELINE_LIMITS;

/**
 * Functions (workers) of one job, and the most a plan may consider: ten times the largest
 * concurrency AWS lists for an account by default, well past what a batch job can use. The
 * planner scans every worker count up to its maximum, so the bound also keeps `obifaas plan`
 * from scanning without end.
 */
export const MAX_WORKERS = 100_000;

/**
 * Memory of one function, MB: the range AWS Lambda allows. Every backend takes a memory size
 * (the local and HTTP backends record it for billing), and so do the optimizer's worker
 * settings and the simulator's profiles.
 */
export const MIN_MEMORY_MB = 128;
export const MAX_MEMORY_MB = 10_240;

/** The longest a Lambda function may run, seconds. */
export const MAX_FUNCTION_TIMEOUT_S = 900;

/** A Lambda function's `/tmp` size, MB. */
export const MIN_EPHEMERAL_STORAGE_MB = 512;
export const MAX_EPHEMERAL_STORAGE_MB = 10_240;

/**
 * The largest model file a function opens: ONNX files are protocol buffers, which cannot exceed
 * 2 GiB (larger models keep their weights in external data files, see below).
 */
export const MAX_MODEL_BYTES = 2 * 1024 * 1024 * 1024;

/**
 * The most bytes a model may read from its external data files, all together (checked before
 * the runtime opens the model, `worker/external-data.ts`): more than the largest function's
 * memory (10,240 MB) could hold beside the runtime is no model a function can load.
 */
export const MAX_EXTERNAL_DATA_BYTES = 8 * 1024 * 1024 * 1024;

/** The largest labels file a function reads (ImageNet's 1000 labels are about 30 KB). */
export const MAX_LABELS_FILE_BYTES = 8 * 1024 * 1024;

/** The longest class label, UTF-8 bytes; a longer line is not a label. */
export const MAX_LABEL_BYTES = 1024;

/** The largest class index a result may report: more classes than any classifier has. */
export const MAX_CLASSES = 1_000_000;

/**
 * The most float32 values one input's vector may hold (4 MiB): more than any embedding, and a
 * whole feature map of a large CNN flattened (2,048 x 14 x 14 is about 400,000).
 */
export const MAX_VECTOR_VALUES = 1024 * 1024;

/** The longest error message of one input's result, characters. */
export const MAX_RESULT_ERROR_CHARS = 8 * 1024;

/** A TCP port a dispatcher may listen on or a worker dial. */
export const MAX_PORT = 65_535;

/**
 * Lambda's limit on a synchronous invoke's request and on its response (6 MB): a function's
 * reply, an embed job's vectors included, must fit in it.
 */
export const LAMBDA_MAX_PAYLOAD_BYTES = 6 * 1024 * 1024;

/** The largest reply the http backend reads from a function (a bigger one fails the invocation). */
export const HTTP_MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

/**
 * The largest message the split dispatcher and its workers accept (gRPC). A dynamic worker
 * returns each split's results in one message: 32 inputs x top-5 is about 10 KB, and 32
 * vectors of 1,280 float32 values about 165 KB.
 */
export const MAX_DISPATCHER_MESSAGE_BYTES = 8 * 1024 * 1024;

/** The largest reply one invocation may send, by backend type (null: no limit but memory). */
export const FUNCTION_REPLY_LIMITS: Readonly<Record<string, { bytes: number; where: string } | null>> = {
  local: null,
  http: { bytes: HTTP_MAX_RESPONSE_BYTES, where: "the http backend's 64 MB reply limit" },
  lambda: { bytes: LAMBDA_MAX_PAYLOAD_BYTES, where: "Lambda's 6 MB response limit" },
};

/** Largest pinned dispatcher certificate a payload may carry (`dispatcher.tls.cert`, PEM text). */
export const MAX_PINNED_CERTIFICATE_CHARS = 16_384;
