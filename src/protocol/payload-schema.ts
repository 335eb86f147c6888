/**
 * The schema of a worker payload (pure), one for both sides: the job spec bounds its pipeline
 * settings with the same schemas, and every function parses what it receives with it before any
 * work starts, so a job that compiles is one its functions accept.
 *
 * Unknown keys are errors. A payload is untrusted input, and a field that one side sends and the
 * other does not know would otherwise be dropped without a word: a function older than its job
 * manager says so instead of running without the setting.
 */
import * as z from 'zod';
import { MAX_DURATION_MS } from '../util/duration.js';
import { intRange, nonEmptyString, numberRange, sha256Hex } from '../util/schema.js';
import { MAX_PINNED_CERTIFICATE_CHARS, MAX_PORT, PIPELINE_LIMITS, type PipelineField } from './limits.js';
import { resolvedPreprocessSchema } from './preprocess.js';
import { taskSchema } from './task-schema.js';

/** A pipeline setting: an integer from 1 to its limit in `PIPELINE_LIMITS`. */
export function pipelineInt(field: PipelineField): z.ZodInt {
  return intRange(1, PIPELINE_LIMITS[field]);
}

/** The worker pipeline's settings, every one of them given (`job.json`, `job.spec.json`). */
export const pipelineConfigSchema = z.strictObject({
  load: z.strictObject({ concurrency: pipelineInt('load.concurrency') }),
  preprocess: z.strictObject({ concurrency: pipelineInt('preprocess.concurrency') }),
  predict: z.strictObject({
    batchSize: pipelineInt('predict.batchSize'),
    intraOpThreads: pipelineInt('predict.intraOpThreads'),
    interOpThreads: pipelineInt('predict.interOpThreads'),
    replicas: pipelineInt('predict.replicas'),
  }),
  topK: pipelineInt('topK'),
});

/** The pipeline settings of a payload: any may be left out (the function's defaults apply). */
export const pipelineSettingsSchema = z.strictObject({
  load: pipelineConfigSchema.shape.load.partial().optional(),
  preprocess: pipelineConfigSchema.shape.preprocess.partial().optional(),
  predict: pipelineConfigSchema.shape.predict.partial().optional(),
  topK: pipelineInt('topK').optional(),
});

/** Where a store lives: a folder, or an S3 bucket and prefix. */
export const storageRefSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('fs'), root: nonEmptyString }),
  z.strictObject({
    type: z.literal('s3'),
    bucket: nonEmptyString,
    prefix: z.string().optional(),
    region: z.string().optional(),
    endpoint: z.string().optional(),
    forcePathStyle: z.boolean().optional(),
  }),
]);

/**
 * The model (a path, a storage URI or a builtin name), its optional labels and preprocessing,
 * and the digests of both files as the job started with them.
 */
export const modelRefSchema = z.strictObject({
  uri: nonEmptyString,
  labelsUri: nonEmptyString.optional(),
  preprocess: resolvedPreprocessSchema.optional(),
  sha256: sha256Hex.optional(),
  labelsSha256: sha256Hex.optional(),
});

/** A split: its id, its inputs' keys in order, and which attempt of the split this is (0: the first). */
export const splitSchema = z.strictObject({
  splitId: nonEmptyString,
  keys: z.array(z.string().min(1, { error: 'expected a non-empty key' })),
  attempt: intRange(0, 0xffffffff).optional(),
});

/** Faults a worker injects into itself (experiments). */
export const workerFaultsSchema = z.strictObject({
  failAfterFirstSplit: z.boolean().optional(),
  delayMsPerSplit: numberRange({ min: 0, max: MAX_DURATION_MS }).optional(),
  readErrors: z
    .strictObject({ percent: numberRange({ min: 0, max: 100 }), seed: intRange(0, 0xffffffff) })
    .optional(),
});

/** The dispatcher a dynamic worker pulls splits from. */
export const dispatcherRefSchema = z.strictObject({
  host: nonEmptyString,
  port: intRange(1, MAX_PORT),
  token: nonEmptyString,
  keepAliveIntervalMs: numberRange({ min: 10, max: MAX_DURATION_MS }),
  /** The certificate the worker pins; read further by `pinned-certificate.ts` before it dials. */
  tls: z
    .strictObject({
      cert: z.string().max(MAX_PINNED_CERTIFICATE_CHARS, {
        error: `expected a PEM certificate of at most ${MAX_PINNED_CERTIFICATE_CHARS} characters`,
      }),
    })
    .optional(),
});

const work = {
  jobId: nonEmptyString,
  workerId: nonEmptyString,
  model: modelRefSchema,
  storage: storageRefSchema,
  pipeline: pipelineSettingsSchema.optional(),
  /** What to compute from the model's output (absent: classify its first output). */
  task: taskSchema.optional(),
  faults: workerFaultsSchema.optional(),
};

const staticPayloadSchema = z.strictObject({
  kind: z.literal('static'),
  ...work,
  splits: z.array(splitSchema),
});
const dynamicPayloadSchema = z.strictObject({
  kind: z.literal('dynamic'),
  ...work,
  dispatcher: dispatcherRefSchema,
});

/** Pipeline settings as a payload gives them (any may be missing). */
export type PipelineSettings = z.output<typeof pipelineSettingsSchema>;

/** A payload that runs the pipeline, as it arrives: its pipeline settings may be incomplete. */
export const workPayloadSchema = z.discriminatedUnion('kind', [staticPayloadSchema, dynamicPayloadSchema]);

/** Any payload: `ping`, or work. */
export const workerPayloadSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('ping') }),
  staticPayloadSchema,
  dynamicPayloadSchema,
]);

/** A parsed payload, before the function fills in its default pipeline settings. */
export type ParsedPayload = z.output<typeof workerPayloadSchema>;
