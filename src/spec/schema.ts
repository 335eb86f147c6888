/**
 * The schema of job options: what a user may write in flags, a config file or environment
 * variables. Every field is optional here (required ones are checked by the rules), so the same
 * schema validates one config file on its own and the merged layers. Unknown keys are errors.
 */
import { z } from 'zod';
import { PIPELINE_LIMITS, type PipelineField } from '../protocol/limits.js';
import { httpBackendSchema, lambdaBackendSchema } from './remote-backends.js';
import { dispatcherSchema, faultsSchema, speculationSchema } from './dispatch-schema.js';

const positiveInt = z.int().min(1);
const nonNegativeInt = z.int().min(0);
const nonEmpty = z.string().trim().min(1);
const duration = z.union([z.number(), z.string()]);

/** Options of the `local` backend: functions are child processes on this machine. */
export const localBackendSchema = z.strictObject({
  type: z.literal('local'),
  /** Processes running at once; default: the number of cores. */
  maxConcurrency: positiveInt.optional(),
  /** Memory billed per function (MB); the local backend does not enforce it. */
  memoryMb: z.int().min(128).max(10_240).optional(),
  /** Per-invocation timeout: '90s', '15m', or a number of seconds. */
  timeout: duration.optional(),
});

/**
 * Backend option schemas by `type`. A backend that is not listed here is unknown; one listed
 * with `available: false` is known but not usable yet (the message says so).
 */
export const backendSchemas: Record<string, { schema: z.ZodObject; available: boolean }> = {
  local: { schema: localBackendSchema, available: true },
  lambda: { schema: lambdaBackendSchema, available: true },
  http: { schema: httpBackendSchema, available: true },
};

/** The storage that holds the inputs, when it is not derived from `inputs`. */
export const storageSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('fs'), root: nonEmpty }),
  z.strictObject({
    type: z.literal('s3'),
    bucket: nonEmpty,
    prefix: z.string().optional(),
    region: z.string().optional(),
    endpoint: z.string().optional(),
    forcePathStyle: z.boolean().optional(),
  }),
]);

/** A pipeline setting: an integer from 1 to the payload limit every worker enforces. */
const pipelineInt = (field: PipelineField) => positiveInt.max(PIPELINE_LIMITS[field]).optional();

/** The worker pipeline's settings, bounded by the same limits as a worker payload. */
export const pipelineSchema = z.strictObject({
  load: z.strictObject({ concurrency: pipelineInt('load.concurrency') }).optional(),
  preprocess: z.strictObject({ concurrency: pipelineInt('preprocess.concurrency') }).optional(),
  predict: z
    .strictObject({
      batchSize: pipelineInt('predict.batchSize'),
      intraOpThreads: pipelineInt('predict.intraOpThreads'),
      interOpThreads: pipelineInt('predict.interOpThreads'),
      replicas: pipelineInt('predict.replicas'),
    })
    .optional(),
});

export const pricesSchema = z.strictObject({
  arch: z.enum(['x86_64', 'arm64']).optional(),
  name: z.string().optional(),
  usdPerGbSecond: z.number().min(0).optional(),
  usdPerRequest: z.number().min(0).optional(),
  billingGranularityMs: z.number().positive().optional(),
  billsInit: z.boolean().optional(),
});

/** Dispatch modes a job may name; `available: false` ones are rejected with "not available yet". */
export const modes: Record<string, { available: boolean }> = {
  static: { available: true },
  dynamic: { available: true },
};

/**
 * Job options. `backend` is checked in two steps: its `type` here, its other keys against the
 * schema of that type (see {@link backendSchemas}), so adding a backend adds one entry there.
 */
export const jobOptionsSchema = z.strictObject({
  name: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, {
      error: 'expected letters, digits, ".", "_" or "-" (at most 64)',
    })
    .optional(),
  inputs: nonEmpty.optional(),
  model: nonEmpty.optional(),
  labels: nonEmpty.optional(),
  storage: storageSchema.optional(),
  backend: z.looseObject({ type: z.string().optional() }).optional(),
  workers: positiveInt.optional(),
  splitSize: positiveInt.optional(),
  mode: z.string().optional(),
  maxRetries: nonNegativeInt.optional(),
  maxSplitRetries: nonNegativeInt.optional(),
  dispatcher: dispatcherSchema.optional(),
  speculation: speculationSchema.optional(),
  faults: faultsSchema.optional(),
  pipeline: pipelineSchema.optional(),
  topK: pipelineInt('topK'),
  out: nonEmpty.optional(),
  prices: pricesSchema.optional(),
});

/** What a user may give, before defaults: every field optional. */
export type JobOptions = z.input<typeof jobOptionsSchema> & {
  backend?: { type?: string; [key: string]: unknown };
};

/** Options of the local backend as written by a user. */
export type LocalBackendOptions = z.input<typeof localBackendSchema>;
