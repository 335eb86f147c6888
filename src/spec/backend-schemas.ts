/**
 * The options of each backend, as a user writes them under `backend` (pure). A job's `backend`
 * is checked in two steps: its `type`, then its other keys against the schema of that type, so
 * adding a backend adds one entry to {@link backendSchemas}. Credentials and tokens are never
 * options: the AWS SDK's default chain and `OBIFAAS_FUNCTION_TOKEN` provide them.
 */
import * as z from 'zod';
import { LAMBDA_DEFAULTS } from '../backends/defaults.js';
import { regionNameProblem } from '../protocol/function-access.js';
import {
  MAX_EPHEMERAL_STORAGE_MB,
  MAX_FUNCTION_TIMEOUT_S,
  MAX_MEMORY_MB,
  MAX_SESSION_THREADS,
  MIN_EPHEMERAL_STORAGE_MB,
  MIN_MEMORY_MB,
} from '../protocol/limits.js';
import { durationSchema } from '../util/duration.js';
import { intRange, nonEmptyString, numberRange } from '../util/schema.js';
import { configKey } from './config-meta.js';

/** An AWS region name (Lambda's, S3's), by the check a function applies to the regions it is given. */
export const regionName = z.string().check((ctx) => {
  const problem = regionNameProblem(ctx.value);
  if (problem) ctx.issues.push({ code: 'custom', message: problem, input: ctx.value });
});

const memoryMb = intRange(MIN_MEMORY_MB, MAX_MEMORY_MB);
const names = z.union([z.string(), z.array(z.string())], { error: 'expected a string or a list of strings' });

/** Functions running at once (every backend). */
const maxConcurrency = configKey(intRange(1), {
  flag: '--max-concurrency',
  valueName: 'N',
  env: 'OBIFAAS_MAX_CONCURRENCY',
  defaultText: `local: number of cores; lambda: ${LAMBDA_DEFAULTS.maxConcurrency}; http: URLs x perUrlConcurrency`,
  description: 'functions running at once (http: at most URLs x backend.perUrlConcurrency)',
});

/** Memory per function, MB (every backend; Lambda's range). */
const memory = configKey(memoryMb, {
  flag: '--memory',
  valueName: 'MB',
  env: 'OBIFAAS_MEMORY_MB',
  defaultText: '3008',
  description:
    'function memory in MB (lambda: the function PREFIX-MEMORY is invoked; local and http: the price)',
});

/** Per-invocation timeout (every backend). */
const timeout = configKey(durationSchema, {
  flag: '--timeout',
  valueName: 'DURATION',
  env: 'OBIFAAS_TIMEOUT',
  kind: 'duration',
  defaultText: '15m',
  description: "per-invocation timeout: '90s', '15m', or seconds",
});

/** Options of the `local` backend: functions are child processes on this machine. */
export const localBackendSchema = z.strictObject({
  type: z.literal('local'),
  maxConcurrency: maxConcurrency.optional(),
  memoryMb: memory.optional(),
  timeout: timeout.optional(),
});

/** Retry of throttled or failed invokes inside one invocation. */
const retrySchema = z.strictObject({
  maxAttempts: intRange(1).optional(),
  baseDelay: durationSchema.optional(),
  maxDelay: durationSchema.optional(),
});

/** What `obifaas deploy` reads from the config file (the job itself ignores it). */
const deploySchema = z.strictObject({
  role: z.string().optional(),
  bucket: z.string().optional(),
  bucketPrefix: z.string().optional(),
  s3Endpoint: z.string().optional(),
  memorySizes: z.array(memoryMb).min(1).optional(),
  arch: z.enum(['x86_64', 'arm64']).optional(),
  runtime: z.string().optional(),
  /** Function timeout in seconds. */
  timeout: intRange(1, MAX_FUNCTION_TIMEOUT_S).optional(),
  ephemeralStorageMb: intRange(MIN_EPHEMERAL_STORAGE_MB, MAX_EPHEMERAL_STORAGE_MB).optional(),
  subnets: names.optional(),
  securityGroups: names.optional(),
  environment: z.record(z.string(), z.string()).optional(),
  /** The functions' stuck wait (`--stuck-after`; its bounds are checked by `obifaas deploy`). */
  stuckAfter: durationSchema.optional(),
});

/** AWS Lambda: one function per memory size, `<functionPrefix>-<memoryMb>`. */
export const lambdaBackendSchema = z.strictObject({
  type: z.literal('lambda'),
  region: configKey(regionName, {
    flag: '--region',
    valueName: 'REGION',
    defaultText: 'AWS_REGION / the profile',
    description: 'lambda backend: AWS region of the functions',
  }).optional(),
  endpoint: configKey(z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' }), {
    valueName: 'URL',
    defaultText: "AWS's",
    description: 'lambda backend: another endpoint speaking the Lambda API (config file only)',
  }).optional(),
  functionPrefix: configKey(
    z.string().regex(/^[A-Za-z0-9_-]{1,58}$/, { error: "expected 1-58 letters, digits, '-' or '_'" }),
    {
      flag: '--function-prefix',
      valueName: 'PREFIX',
      defaultText: 'obifaas-worker',
      description: 'lambda backend: functions are PREFIX-MEMORY (see obifaas deploy)',
    },
  ).optional(),
  /** Invoke this function instead of `<functionPrefix>-<memoryMb>`. */
  functionName: nonEmptyString.optional(),
  memoryMb: memory.optional(),
  maxConcurrency: maxConcurrency.optional(),
  timeout: timeout.optional(),
  retry: retrySchema.optional(),
  deploy: deploySchema.optional(),
});

/** HTTP functions (`obifaas serve-function` or anything speaking its protocol). */
export const httpBackendSchema = z.strictObject({
  type: z.literal('http'),
  /** One URL, a comma-separated list, or a list. */
  url: configKey(names, {
    flag: '--url',
    valueName: 'URLS',
    defaultText: 'required for http',
    description: 'http backend: function URLs, comma-separated (token: env OBIFAAS_FUNCTION_TOKEN)',
  }),
  perUrlConcurrency: intRange(1).optional(),
  maxConcurrency: maxConcurrency.optional(),
  memoryMb: memory.optional(),
  /** vCPUs each function has: its ONNX Runtime threads follow from them. */
  vcpus: configKey(numberRange({ min: 0, max: MAX_SESSION_THREADS, exclusive: true }), {
    valueName: 'N',
    kind: 'number',
    defaultText: '1',
    description:
      'http backend: vCPUs of each function; its ONNX Runtime threads follow them (config file only)',
  }).optional(),
  timeout: timeout.optional(),
  retry: retrySchema.optional(),
});

/**
 * Backend option schemas by `type`. A backend that is not listed here is unknown; one listed
 * with `available: false` is known but not usable yet (the message says so).
 */
export const backendSchemas: Readonly<Record<string, { schema: z.ZodObject; available: boolean }>> = {
  local: { schema: localBackendSchema, available: true },
  lambda: { schema: lambdaBackendSchema, available: true },
  http: { schema: httpBackendSchema, available: true },
};

/** Options of the local backend as written by a user. */
export type LocalBackendOptions = z.input<typeof localBackendSchema>;
export type LambdaBackendOptions = z.output<typeof lambdaBackendSchema>;
export type HttpBackendOptions = z.output<typeof httpBackendSchema>;
export type RetryOptions = z.output<typeof retrySchema>;
