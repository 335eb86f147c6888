/**
 * The HTTP function protocol, shared by the `http` backend and the function server
 * (`obifaas serve-function`): `POST /invoke` with a worker payload as JSON answers 200 with the
 * worker result, or an error status with `{errorType, errorMessage}` (Lambda's error shape).
 * The server reports the invocation's figures in response headers, so that costs and the CPR
 * model read the same statistics as on the other backends.
 */

/** Path of the invoke endpoint (a base URL without a path gets it appended). */
export const INVOKE_PATH = '/invoke';
/** Path of the health endpoint (no token needed; says nothing about jobs). */
export const HEALTH_PATH = '/healthz';
/** Port the function server listens on by default. */
export const DEFAULT_FUNCTION_PORT = 8080;
/** Largest request body the function server accepts by default (413 beyond). */
export const DEFAULT_MAX_REQUEST_BYTES = 10 * 1024 * 1024;
/** How long a client may take to send a request's body by default (408 beyond). */
export const DEFAULT_BODY_TIMEOUT_MS = 30_000;
/** Environment variable holding the bearer token, for the server and the backend. */
export const FUNCTION_TOKEN_ENV = 'OBIFAAS_FUNCTION_TOKEN';

/**
 * `errorType` of the 503 a function server answers `/invoke` with while it cannot serve (stuck
 * inference threads hold its cores): the backend retries it, on another URL first.
 */
export const UNHEALTHY_ERROR_TYPE = 'FunctionUnhealthyError';
/** `Retry-After` of that refusal (seconds). */
export const UNHEALTHY_RETRY_AFTER_S = 5;

/** Response headers with the invocation's figures. */
export const STATS_HEADERS = {
  /** `true` on the first invocation of a server process. */
  cold: 'x-obifaas-cold',
  /** Process start to ready, reported with the cold invocation only (ms). */
  initMs: 'x-obifaas-init-ms',
  /** Handler time of this invocation (ms, fractional). */
  durationMs: 'x-obifaas-duration-ms',
  /** Peak resident memory of the server process (whole MB; see {@link reportedMemoryMb}). */
  maxMemoryUsedMb: 'x-obifaas-max-memory-mb',
  /** Set (to `Unhandled`) when the handler failed; the body is the error object. */
  functionError: 'x-obifaas-function-error',
} as const;

/**
 * The largest peak memory a function's `x-obifaas-max-memory-mb` may report: 128 TiB, the whole
 * user address space of an x86-64 Linux process (and more than any one machine's memory).
 */
export const MAX_REPORTED_MEMORY_MB = 128 * 1024 * 1024;

/**
 * The peak memory an `x-obifaas-max-memory-mb` header reports, or undefined when it reports none
 * that can be true: the server writes a whole number of MB, from 1 to
 * {@link MAX_REPORTED_MEMORY_MB}. Anything else (missing, not a plain whole number, 0, over the
 * bound) is ignored, not clamped: the figure is nominal (nothing is billed for it), so the
 * invocation goes on without one rather than with a number made up here.
 */
export function reportedMemoryMb(header: string | undefined): number | undefined {
  if (header === undefined || !/^\d{1,12}$/.test(header)) return undefined;
  const mb = Number(header);
  return mb >= 1 && mb <= MAX_REPORTED_MEMORY_MB ? mb : undefined;
}

/** The URL to POST payloads to: `base` itself when it has a path, else `base` + `/invoke`. */
export function invokeUrl(base: string): URL {
  const url = new URL(base);
  if (url.pathname === '' || url.pathname === '/') url.pathname = INVOKE_PATH;
  return url;
}
