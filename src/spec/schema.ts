/**
 * The schema of job options: what a user may write in flags, a config file or environment
 * variables. Every field is optional here (required ones are checked by the rules), so the same
 * schema validates one config file on its own and the merged layers. Unknown keys are errors.
 *
 * The schema is also the key table: each documented field carries its flag, environment
 * variable and help (`configKey`), from which `config/keys.ts` derives `CONFIG_KEYS`, the flags
 * of the commands and the README's table.
 */
import * as z from 'zod';
import { pipelineInt, storageRefSchema } from '../protocol/payload-schema.js';
import { MAX_WORKERS, type PipelineField } from '../protocol/limits.js';
import { intRange, nonEmptyString, numberRange } from '../util/schema.js';
import { backendSchemas, regionName } from './backend-schemas.js';
import { configKey, documentedKeys, type DocumentedKey } from './config-meta.js';
import { dispatcherSchema, faultsSchema, speculationSchema } from './dispatch-schema.js';
import { preprocessOptionsSchema } from './preprocess-options.js';
import { taskOptionsSchema } from './task-options.js';

export { backendSchemas, localBackendSchema, type LocalBackendOptions } from './backend-schemas.js';

/** A pipeline setting: an integer from 1 to the payload limit every worker enforces. */
const setting = (field: PipelineField, meta: Parameters<typeof configKey>[1]) =>
  configKey(pipelineInt(field), meta).optional();

/** The worker pipeline's settings, bounded by the same schemas as a worker payload. */
export const pipelineSchema = z.strictObject({
  predict: z
    .strictObject({
      batchSize: setting('predict.batchSize', {
        flag: '--batch-size',
        valueName: 'N',
        env: 'OBIFAAS_BATCH_SIZE',
        defaultText: '32',
        description: 'images per inference batch',
      }),
      intraOpThreads: setting('predict.intraOpThreads', {
        flag: '--intra-op-threads',
        valueName: 'N',
        env: 'OBIFAAS_INTRA_OP_THREADS',
        defaultText: "the function's vCPUs",
        description: 'ONNX Runtime threads per function (see the dry run: obifaas run --dry-run)',
      }),
      interOpThreads: setting('predict.interOpThreads', {
        valueName: 'N',
        defaultText: '1',
        description: 'ONNX Runtime inter-op threads',
      }),
      replicas: setting('predict.replicas', {
        valueName: 'N',
        defaultText: '1',
        description: 'concurrent model sessions per function',
      }),
    })
    .optional(),
  load: z
    .strictObject({
      concurrency: setting('load.concurrency', {
        valueName: 'N',
        defaultText: '32',
        description: 'concurrent reads per function',
      }),
    })
    .optional(),
  preprocess: z
    .strictObject({
      concurrency: setting('preprocess.concurrency', {
        valueName: 'N',
        defaultText: '4',
        description: 'concurrent decodes per function',
      }),
    })
    .optional(),
});

/** How to reach the S3 service of the job's `s3://` locations (outputs, inputs, model). */
export const s3ConnectionSchema = z.strictObject({
  endpoint: configKey(z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' }), {
    flag: '--s3-endpoint',
    valueName: 'URL',
    env: 'OBIFAAS_S3_ENDPOINT',
    defaultText: "AWS's",
    description: "an S3-compatible endpoint (MinIO, Ceph, ...) for the job's s3:// locations",
  }).optional(),
  region: configKey(regionName, {
    flag: '--s3-region',
    valueName: 'REGION',
    env: 'OBIFAAS_S3_REGION',
    defaultText: 'AWS_REGION / the profile, else us-east-1',
    description: "region of the job's s3:// locations",
  }).optional(),
  forcePathStyle: configKey(z.boolean(), {
    flag: '--s3-force-path-style',
    valueName: 'BOOL',
    env: 'OBIFAAS_S3_FORCE_PATH_STYLE',
    defaultText: 'true with --s3-endpoint',
    description: 'address buckets as ENDPOINT/BUCKET rather than BUCKET.ENDPOINT',
  }).optional(),
});

export const pricesSchema = z.strictObject({
  arch: z.enum(['x86_64', 'arm64']).optional(),
  name: z.string().optional(),
  usdPerGbSecond: numberRange({ min: 0 }).optional(),
  usdPerRequest: numberRange({ min: 0 }).optional(),
  billingGranularityMs: numberRange({ min: 0, exclusive: true }).optional(),
  billsInit: z.boolean().optional(),
});

/** Dispatch modes a job may name; `available: false` ones are rejected with "not available yet". */
export const modes: Readonly<Record<string, { available: boolean }>> = {
  static: { available: true },
  dynamic: { available: true },
};

/**
 * Job options. `backend` is checked in two steps: its `type` here, its other keys against the
 * schema of that type (see {@link backendSchemas}), so adding a backend adds one entry there.
 */
export const jobOptionsSchema = z.strictObject({
  inputs: configKey(nonEmptyString, {
    flag: '--input',
    valueName: 'MANIFEST_OR_DIR',
    env: 'OBIFAAS_INPUTS',
    kind: 'path',
    defaultText: 'required',
    description: 'a manifest file (one key per line) or a folder of images',
  }).optional(),
  model: configKey(nonEmptyString, {
    flag: '--model',
    valueName: 'FILE_OR_BUILTIN',
    env: 'OBIFAAS_MODEL',
    defaultText: 'required',
    description: "an ONNX model file, or a builtin model: 'resnet50', 'tiny'",
  }).optional(),
  labels: configKey(nonEmptyString, {
    flag: '--labels',
    valueName: 'FILE',
    env: 'OBIFAAS_LABELS',
    kind: 'path',
    defaultText: 'none',
    description: 'class names, one per line (line i = class i)',
  }).optional(),
  name: configKey(
    z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, {
      error: 'expected letters, digits, ".", "_" or "-" (at most 64)',
    }),
    {
      flag: '--name',
      valueName: 'NAME',
      env: 'OBIFAAS_JOB_NAME',
      defaultText: 'from the inputs',
      description: 'job name (names the output folder)',
    },
  ).optional(),
  workers: configKey(intRange(1).max(MAX_WORKERS, { error: `expected at most ${MAX_WORKERS}` }), {
    flag: '--workers',
    valueName: 'N',
    env: 'OBIFAAS_WORKERS',
    defaultText: 'static: one per split; dynamic: min(50, splits, maxConcurrency)',
    description: 'function invocations (static: one contiguous chunk each; dynamic: workers pulling splits)',
  }).optional(),
  splitSize: configKey(intRange(1), {
    flag: '--split-size',
    valueName: 'N',
    env: 'OBIFAAS_SPLIT_SIZE',
    defaultText: '32',
    description: 'inputs per split',
  }).optional(),
  mode: configKey(z.string(), {
    flag: '--mode',
    valueName: 'MODE',
    env: 'OBIFAAS_MODE',
    defaultText: 'static',
    description: 'dispatch mode: static (fixed chunks) or dynamic (workers pull splits)',
  }).optional(),
  maxRetries: configKey(intRange(0), {
    flag: '--max-retries',
    valueName: 'N',
    env: 'OBIFAAS_MAX_RETRIES',
    defaultText: '1',
    description:
      'times a failed invocation, or an input whose read failed for a passing reason, is tried again',
  }).optional(),
  maxSplitRetries: configKey(intRange(0), {
    flag: '--max-split-retries',
    valueName: 'N',
    env: 'OBIFAAS_MAX_SPLIT_RETRIES',
    defaultText: 'maxRetries',
    description:
      'dynamic: extra attempts per split (retries after failures and passing input errors, speculative copies)',
  }).optional(),
  dispatcher: dispatcherSchema.optional(),
  speculation: speculationSchema.optional(),
  faults: faultsSchema.optional(),
  backend: z
    .looseObject({
      type: configKey(z.string(), {
        flag: '--backend',
        valueName: 'TYPE',
        env: 'OBIFAAS_BACKEND',
        defaultText: 'local',
        description:
          'where functions run: local (child processes), lambda (AWS Lambda) or http (function URLs)',
      }).optional(),
    })
    .optional(),
  task: taskOptionsSchema.optional(),
  topK: configKey(pipelineInt('topK'), {
    flag: '--top-k',
    valueName: 'N',
    env: 'OBIFAAS_TOP_K',
    defaultText: '5',
    description: 'classes reported per input',
  }).optional(),
  preprocess: preprocessOptionsSchema.optional(),
  pipeline: pipelineSchema.optional(),
  out: configKey(nonEmptyString, {
    flag: '--out',
    valueName: 'DIR',
    env: 'OBIFAAS_OUT',
    kind: 'path',
    defaultText: './obifaas-out/<name>-<time>',
    description:
      'output folder (results.jsonl, job.json), or s3://BUCKET/PREFIX: the job works in --staging and uploads its files there when it ends',
  }).optional(),
  staging: configKey(nonEmptyString, {
    flag: '--staging',
    valueName: 'DIR',
    env: 'OBIFAAS_STAGING',
    kind: 'path',
    defaultText: '$OBIFAAS_HOME/staging/<prefix end>-<digest of the URL>',
    description:
      'with --out s3://...: the local folder the job works in before it uploads (--resume finds it)',
  }).optional(),
  s3: s3ConnectionSchema.optional(),
  storage: configKey(storageRefSchema, {
    valueName: 'OBJECT',
    kind: 'string',
    defaultText: 'from the inputs',
    description: 'where the inputs live: {type: fs, root} (config file only)',
  }).optional(),
  prices: configKey(pricesSchema, {
    valueName: 'OBJECT',
    kind: 'string',
    defaultText: 'AWS Lambda x86_64',
    description: 'price overrides: arch, usdPerGbSecond, usdPerRequest (config file only)',
  }).optional(),
});

/** What a user may give, before defaults: every field optional. */
export type JobOptions = z.input<typeof jobOptionsSchema> & {
  backend?: { type?: string; [key: string]: unknown };
};

/** Every documented job option, in the schema's order (the backends' keys under `backend`). */
export function jobOptionKeys(): DocumentedKey[] {
  return documentedKeys(jobOptionsSchema, {
    backend: Object.values(backendSchemas).map((b) => b.schema),
  });
}
