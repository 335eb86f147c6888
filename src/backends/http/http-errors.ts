/**
 * Sorts what went wrong talking to a function URL (pure): a network error, or an HTTP answer
 * that is not a worker result nor a function error. Messages name the URL, never the token.
 * A network error's code is looked for through its causes and aggregated errors, as the Lambda
 * and S3 clients do (`util/network-errors.ts`): a client may wrap the socket's error (fetch's
 * `TypeError: fetch failed` holds it as its `cause`).
 */
import { findErrorCode, NETWORK_ERROR_CODES, UNREACHABLE_CODES } from '../../util/network-errors.js';
import { ConnectionLostError, type HttpReply } from './post.js';
import { UNHEALTHY_ERROR_TYPE } from '../../protocol/http-function.js';
import { parseRetryAfterMs, type RetryAfterBounds } from '../../util/retry.js';
import { INVOKE_RETRY_DEFAULTS } from '../defaults.js';

export interface HttpFailure {
  /**
   * `busy`/`transient`: retry; `unhealthy` (a function whose stuck threads leave it unable to
   * serve, 503): retry, on another URL first; `unreachable`: try another URL; `lost` (the
   * connection broke while the function had the request): end the invocation, billed for the
   * time it was out, and leave the retry to the job (a new invocation in its record); the rest:
   * do not retry.
   */
  kind: 'busy' | 'unhealthy' | 'transient' | 'unreachable' | 'lost' | 'auth' | 'too-large' | 'client';
  message: string;
  /** The reply's `Retry-After`, within the retry policy's longest delay. */
  retryAfterMs?: number;
}

/**
 * Codes that take a URL out of the rotation: nothing answers there, or its name does not resolve
 * now (another URL can take the invocation at once, so a DNS hiccup is not waited out here).
 */
const UNREACHABLE: ReadonlySet<string> = new Set([...UNREACHABLE_CODES, 'EAI_AGAIN']);

function retryAfterMs(reply: HttpReply, bounds: RetryAfterBounds): number | undefined {
  const raw = reply.headers['retry-after'];
  return parseRetryAfterMs(Array.isArray(raw) ? raw[0] : raw, bounds);
}

/** The reason a 503 gives when it is a function server's refusal while it cannot serve. */
function unhealthyReason(reply: HttpReply): string | undefined {
  try {
    const body = JSON.parse(reply.body.toString('utf8')) as { errorType?: unknown; errorMessage?: unknown };
    if (body.errorType !== UNHEALTHY_ERROR_TYPE) return undefined;
    return typeof body.errorMessage === 'string' ? body.errorMessage.slice(0, 500) : 'no reason given';
  } catch {
    return undefined;
  }
}

/**
 * What a failed POST to the function at `base` comes to. A `Retry-After` is read within
 * `retryAfter` (by default the default retry policy's longest delay, against the wall clock).
 */
export function classifyHttpFailure(
  err: unknown,
  reply: HttpReply | undefined,
  base: string,
  payloadBytes: number,
  retryAfter: RetryAfterBounds = { maxMs: INVOKE_RETRY_DEFAULTS.maxDelayMs, wallNowMs: Date.now() },
): HttpFailure {
  if (reply) {
    const s = reply.status;
    const after = retryAfterMs(reply, retryAfter);
    const extra = after !== undefined ? { retryAfterMs: after } : {};
    const refusal = s === 503 ? unhealthyReason(reply) : undefined;
    if (refusal !== undefined)
      return {
        kind: 'unhealthy',
        message: `function at ${base} cannot serve (HTTP 503): ${refusal}`,
        ...extra,
      };
    if (s === 429 || s === 503)
      return { kind: 'busy', message: `function at ${base} is busy (HTTP ${s})`, ...extra };
    if (s === 401 || s === 403)
      return {
        kind: 'auth',
        message: `function at ${base} rejected the request (HTTP ${s}): set its token with OBIFAAS_FUNCTION_TOKEN`,
      };
    if (s === 413)
      return {
        kind: 'too-large',
        message: `payload of ${payloadBytes} bytes is over the request size limit of the function at ${base} (HTTP 413): use fewer inputs per invocation`,
      };
    if (s >= 500) return { kind: 'transient', message: `function at ${base} answered HTTP ${s}`, ...extra };
    return {
      kind: 'client',
      message: `function at ${base} answered HTTP ${s}: check the URL (an obifaas function server answers POST /invoke)`,
    };
  }
  const unreachable = findErrorCode(err, UNREACHABLE);
  if (unreachable !== undefined)
    return {
      kind: 'unreachable',
      message: `cannot reach the function at ${base} (${unreachable}): is 'obifaas serve-function' running there?`,
    };
  if (err instanceof ConnectionLostError) {
    const code = findErrorCode(err, NETWORK_ERROR_CODES) ?? 'the connection closed';
    return {
      kind: 'lost',
      message: `the connection to the function at ${base} broke while it had the invocation (${code}): did the function's process end?`,
    };
  }
  const e = (err ?? {}) as { code?: string; name?: string; message?: string };
  if (e.name === 'ResponseTooLargeError')
    return {
      kind: 'client',
      message: `function at ${base} sent a response too large to read (${e.message ?? ''})`,
    };
  const code = findErrorCode(err, NETWORK_ERROR_CODES) ?? e.code ?? e.name ?? 'Error';
  return { kind: 'transient', message: `connection to the function at ${base} failed (${code})` };
}
