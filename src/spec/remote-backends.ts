/**
 * The options of the remote backends, `lambda` and `http` (their schemas are in
 * `backend-schemas.ts`), compiled into resolved backends (pure). Credentials and tokens are
 * never options, so they never reach `job.json`.
 */
import type { Issue } from '../errors.js';
import { HTTP_DEFAULTS, LAMBDA_DEFAULTS } from '../backends/defaults.js';
import type {
  ResolvedHttpBackend,
  ResolvedLambdaBackend,
  ResolvedRetry,
} from '../backends/resolved-backend.js';
import { parseDurationMs } from '../util/duration.js';
import type { HttpBackendOptions, LambdaBackendOptions, RetryOptions } from './backend-schemas.js';

function compileRetry(raw: RetryOptions | undefined, issues: Issue[]): ResolvedRetry | undefined {
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
    const o = data as LambdaBackendOptions;
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
    const o = data as HttpBackendOptions;
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
