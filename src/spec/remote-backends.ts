/**
 * Options of the remote backends, `lambda` and `http`, as a user writes them, and their
 * compilation into resolved backends (pure). Credentials and tokens are never options: the
 * AWS SDK's default chain and `OBIFAAS_FUNCTION_TOKEN` provide them, so they never reach
 * `job.json`.
 */
import { z } from 'zod';
import type { Issue } from '../errors.js';
import { HTTP_DEFAULTS, LAMBDA_DEFAULTS } from '../backends/defaults.js';
import { MAX_SESSION_THREADS } from '../protocol/limits.js';
import type {
  ResolvedHttpBackend,
  ResolvedLambdaBackend,
  ResolvedRetry,
} from '../backends/resolved-backend.js';
import { parseDurationMs } from './duration.js';

const positiveInt = z.int().min(1);
const duration = z.union([z.number(), z.string()]);
const memoryMb = z.int().min(128).max(10_240);
const names = z.union([z.string(), z.array(z.string())]);

/** Retry of throttled or failed invokes inside one invocation. */
const retrySchema = z.strictObject({
  maxAttempts: positiveInt.optional(),
  baseDelay: duration.optional(),
  maxDelay: duration.optional(),
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
  /** Function timeout in seconds, 1..900. */
  timeout: z.int().min(1).max(900).optional(),
  ephemeralStorageMb: z.int().min(512).max(10_240).optional(),
  subnets: names.optional(),
  securityGroups: names.optional(),
  environment: z.record(z.string(), z.string()).optional(),
});

/** AWS Lambda: one function per memory size, `<functionPrefix>-<memoryMb>`. */
export const lambdaBackendSchema = z.strictObject({
  type: z.literal('lambda'),
  region: z.string().trim().min(1).optional(),
  /** Another endpoint speaking the Lambda API. */
  endpoint: z.url().optional(),
  functionPrefix: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,58}$/, { error: "expected 1-58 letters, digits, '-' or '_'" })
    .optional(),
  /** Invoke this function instead of `<functionPrefix>-<memoryMb>`. */
  functionName: z.string().trim().min(1).optional(),
  memoryMb: memoryMb.optional(),
  maxConcurrency: positiveInt.optional(),
  timeout: duration.optional(),
  retry: retrySchema.optional(),
  deploy: deploySchema.optional(),
});

/** HTTP functions (`obifaas serve-function` or anything speaking its protocol). */
export const httpBackendSchema = z.strictObject({
  type: z.literal('http'),
  /** One URL, a comma-separated list, or a list. */
  url: names,
  perUrlConcurrency: positiveInt.optional(),
  maxConcurrency: positiveInt.optional(),
  /** Memory recorded for billing (MB). */
  memoryMb: memoryMb.optional(),
  /** vCPUs each function has: its ONNX Runtime threads follow from them. */
  vcpus: z.number().positive().max(MAX_SESSION_THREADS).optional(),
  timeout: duration.optional(),
  retry: retrySchema.optional(),
});

function compileRetry(
  raw: z.infer<typeof retrySchema> | undefined,
  issues: Issue[],
): ResolvedRetry | undefined {
  if (!raw) return undefined;
  const out: ResolvedRetry = {};
  if (raw.maxAttempts !== undefined) out.maxAttempts = raw.maxAttempts;
  for (const [field, key] of [
    ['baseDelay', 'baseDelayMs'],
    ['maxDelay', 'maxDelayMs'],
  ] as const) {
    const value = raw[field];
    if (value === undefined) continue;
    const d = parseDurationMs(value);
    if ('error' in d) issues.push({ path: `backend.retry.${field}`, message: d.error });
    else out[key] = d.ms;
  }
  return out;
}

function splitUrls(value: string | string[]): string[] {
  return (Array.isArray(value) ? value : [value])
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v !== '');
}

function checkUrls(urls: string[], issues: Issue[]): void {
  if (urls.length === 0) issues.push({ path: 'backend.url', message: 'give at least one function URL' });
  for (const u of urls) {
    let ok = false;
    try {
      const parsed = new URL(u);
      ok = parsed.protocol === 'http:' || parsed.protocol === 'https:';
    } catch {
      ok = false;
    }
    if (!ok) issues.push({ path: 'backend.url', message: `'${u}' is not an http:// or https:// URL` });
  }
}

/**
 * Resolves the options of a remote backend already checked against its schema. `timeoutMs` is
 * `backend.timeout` when given (already parsed), else undefined for the backend's default.
 */
export function compileRemoteBackend(
  type: string,
  data: unknown,
  timeoutMs: number | undefined,
  issues: Issue[],
): ResolvedLambdaBackend | ResolvedHttpBackend | undefined {
  if (type === 'lambda') {
    const o = data as z.infer<typeof lambdaBackendSchema>;
    const retry = compileRetry(o.retry, issues);
    return {
      type: 'lambda',
      ...(o.region ? { region: o.region } : {}),
      ...(o.endpoint ? { endpoint: o.endpoint } : {}),
      functionPrefix: o.functionPrefix ?? LAMBDA_DEFAULTS.functionPrefix,
      ...(o.functionName ? { functionName: o.functionName } : {}),
      memoryMb: o.memoryMb ?? LAMBDA_DEFAULTS.memoryMb,
      maxConcurrency: o.maxConcurrency ?? LAMBDA_DEFAULTS.maxConcurrency,
      timeoutMs: timeoutMs ?? LAMBDA_DEFAULTS.timeoutMs,
      ...(retry ? { retry } : {}),
    };
  }
  if (type === 'http') {
    const o = data as z.infer<typeof httpBackendSchema>;
    const urls = splitUrls(o.url);
    checkUrls(urls, issues);
    const retry = compileRetry(o.retry, issues);
    const perUrl = o.perUrlConcurrency ?? HTTP_DEFAULTS.perUrlConcurrency;
    return {
      type: 'http',
      urls,
      perUrlConcurrency: perUrl,
      maxConcurrency: Math.min(o.maxConcurrency ?? urls.length * perUrl, Math.max(1, urls.length * perUrl)),
      memoryMb: o.memoryMb ?? HTTP_DEFAULTS.memoryMb,
      ...(o.vcpus !== undefined ? { vcpus: o.vcpus } : {}),
      timeoutMs: timeoutMs ?? HTTP_DEFAULTS.timeoutMs,
      ...(retry ? { retry } : {}),
    };
  }
  issues.push({ path: 'backend.type', message: `no compiler for backend '${type}'` });
  return undefined;
}
