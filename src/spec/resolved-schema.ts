/**
 * The schema of a resolved job spec (pure): what `compileJobSpec` returns and `job.spec.json`
 * records, every default applied and units in the names. `--resume` reads a job's spec back
 * through it, so a spec file that was edited or damaged is refused with the field named,
 * never half-used (a `dispatch.type` of `toString` names no strategy).
 *
 * Unknown keys are errors: the file is written by the job manager, and a key it does not know
 * means another version or a person wrote it; dropping it would resume a different job.
 */
import * as z from 'zod';
import { modelRefSchema, pipelineConfigSchema, storageRefSchema } from '../protocol/payload-schema.js';
import { preprocessDeclarationSchema } from '../protocol/preprocess-resolve.js';
import { MAX_MEMORY_MB, MAX_PORT, MIN_MEMORY_MB } from '../protocol/limits.js';
import { MAX_DURATION_MS } from '../util/duration.js';
import { intRange, nonEmptyString, numberRange } from '../util/schema.js';
import { taskOptionsSchema } from './task-options.js';

const count = intRange(1);
const memoryMb = intRange(MIN_MEMORY_MB, MAX_MEMORY_MB);
const ms = numberRange({ min: 0, max: MAX_DURATION_MS });
const positiveMs = numberRange({ min: 0, max: MAX_DURATION_MS, exclusive: true });
const percent = numberRange({ min: 0, max: 100 });

/** How the job reaches S3 (see `S3Connection`). */
const s3ConnectionSchema = z.strictObject({
  endpoint: z.string().optional(),
  region: z.string().optional(),
  forcePathStyle: z.boolean().optional(),
});

const retrySchema = z.strictObject({
  maxAttempts: count.optional(),
  baseDelayMs: ms.optional(),
  maxDelayMs: ms.optional(),
});

/** Where the job's functions run, with every setting resolved. */
export const resolvedBackendSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('local'), maxConcurrency: count, memoryMb, timeoutMs: positiveMs }),
  z.strictObject({
    type: z.literal('lambda'),
    region: z.string().optional(),
    endpoint: z.string().optional(),
    functionPrefix: nonEmptyString,
    functionName: z.string().optional(),
    memoryMb,
    maxConcurrency: count,
    timeoutMs: positiveMs,
    retry: retrySchema.optional(),
  }),
  z.strictObject({
    type: z.literal('http'),
    urls: z.array(nonEmptyString).min(1),
    perUrlConcurrency: count,
    maxConcurrency: count,
    memoryMb,
    vcpus: numberRange({ min: 0, exclusive: true }).optional(),
    timeoutMs: positiveMs,
    retry: retrySchema.optional(),
  }),
]);

/** How inputs reach workers: fixed chunks, or splits pulled from the dispatcher. */
export const dispatchSpecSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('static') }),
  z.strictObject({
    type: z.literal('dynamic'),
    maxSplitRetries: intRange(0),
    keepAliveIntervalMs: positiveMs,
    workerSilentTimeoutMs: positiveMs,
    host: nonEmptyString,
    advertiseHost: nonEmptyString,
    port: intRange(0, MAX_PORT),
    speculation: z
      .strictObject({
        quantile: z.number().min(0).lt(1),
        multiplier: numberRange({ min: 1 }),
        intervalMs: positiveMs,
        extraWorkers: intRange(0, 1),
      })
      .nullable(),
    // Jobs of earlier versions ran without TLS.
    tls: z
      .discriminatedUnion('mode', [
        z.strictObject({ mode: z.literal('off') }),
        z.strictObject({ mode: z.literal('self-signed') }),
        z.strictObject({ mode: z.literal('files'), certFile: nonEmptyString, keyFile: nonEmptyString }),
      ])
      .default({ mode: 'off' }),
  }),
]);

/** A price table. */
export const priceModelSchema = z.strictObject({
  name: z.string(),
  arch: z.enum(['x86_64', 'arm64']),
  usdPerGbSecond: numberRange({ min: 0 }),
  usdPerRequest: numberRange({ min: 0 }),
  billingGranularityMs: numberRange({ min: 0, exclusive: true }),
  billsInit: z.boolean(),
});

/** Faults injected into a job's workers (experiments). */
export const faultPolicySchema = z.strictObject({
  failPercent: percent,
  delayPercent: percent,
  delayMaxMs: ms,
  readErrorPercent: percent.optional(),
  seed: intRange(0, 0xffffffff),
});

/** A resolved job spec. */
export const resolvedJobSpecSchema = z.strictObject({
  name: nonEmptyString,
  inputs: nonEmptyString,
  model: modelRefSchema,
  storage: storageRefSchema.optional(),
  backend: resolvedBackendSchema,
  dispatch: dispatchSpecSchema,
  workers: count.optional(),
  splitSize: count,
  maxRetries: intRange(0),
  preprocess: z.array(preprocessDeclarationSchema).optional(),
  task: taskOptionsSchema.optional(),
  taskSources: z.record(z.string(), nonEmptyString).optional(),
  pipeline: pipelineConfigSchema,
  topKSource: nonEmptyString.optional(),
  autoThreads: z.boolean().optional(),
  outDir: nonEmptyString,
  uploadTo: z
    .strictObject({
      uri: z.string().regex(/^s3:\/\//, { error: 'expected an s3:// URL' }),
      store: storageRefSchema.options[1],
    })
    .optional(),
  s3: s3ConnectionSchema.optional(),
  prices: priceModelSchema,
  faults: faultPolicySchema.optional(),
});
