/**
 * Sorts errors from the Lambda SDK (service errors, network errors, missing credentials or
 * region) into kinds that say whether trying again can help, each with a one-line message that
 * says what to check. Messages name the function and endpoint, never credentials.
 */
import type { AwsSdkErrorFields } from '../../util/aws-sdk-error.js';
import { CONNECTION_LOST_CODES, findErrorCode, UNREACHABLE_CODES } from '../../util/network-errors.js';
import { parseRetryAfterMs } from '../../util/retry.js';
import { INVOKE_RETRY_DEFAULTS } from '../defaults.js';

/** What went wrong with a call to the Lambda API. */
export type LambdaFailureKind =
  /** 429: the account or function concurrency is exhausted; retry after a backoff. */
  | 'throttled'
  /** 5xx or a transient platform condition; retry. */
  | 'service'
  /** The connection broke or timed out after it was made; retry. */
  | 'network'
  /** Nothing answers at the endpoint (refused, unknown host); retrying will not help. */
  | 'unreachable'
  /** No, wrong or expired credentials, or no permission. */
  | 'credentials'
  /** No AWS region configured. */
  | 'config'
  /** The function does not exist. */
  | 'not-found'
  /** The request is over Lambda's payload limit. */
  | 'too-large'
  /** Any other mistake in the request. */
  | 'client';

export interface LambdaFailure {
  kind: LambdaFailureKind;
  message: string;
  /** Server's `Retry-After`, when it sent one, within the retry policy's longest delay. */
  retryAfterMs?: number;
  /** The SDK's error name or the network code. */
  code: string;
}

/** Kinds that the backend retries itself (with backoff) before giving up. */
export const RETRIED_KINDS: ReadonlySet<LambdaFailureKind> = new Set(['throttled', 'service', 'network']);

/** Where the failed call went, for the message. */
export interface LambdaCallContext {
  operation: string;
  functionName?: string;
  endpoint: string;
  region?: string;
  /** The longest wait a throttling answer's `Retry-After` may ask for (default: the default retry policy's `maxDelayMs`). */
  maxRetryAfterMs?: number;
  /** Epoch ms now by the wall clock, for a `Retry-After` that is a date (default `Date.now()`). */
  wallNowMs?: number;
}

const CREDENTIAL_ERRORS = new Set([
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'ExpiredTokenException',
  'ExpiredToken',
  'InvalidClientTokenId',
  'IncompleteSignature',
  'MissingAuthenticationTokenException',
  'CredentialsProviderError',
]);
const TRANSIENT_SERVICE_ERRORS = new Set([
  'ServiceException',
  'EC2ThrottledException',
  'EC2UnexpectedException',
  'ENILimitReachedException',
  'ResourceNotReadyException',
  'SubnetIPAddressLimitReachedException',
  'ThrottlingException',
]);
/** A lost connection, or the SDK's names for a request that timed out: worth a retry. */
const NETWORK_CODES: ReadonlySet<string> = new Set([
  ...CONNECTION_LOST_CODES,
  'TimeoutError',
  'RequestTimeout',
]);
/** Every network failure: nothing answering, or a lost connection. */
const ANY_NETWORK_CODE: ReadonlySet<string> = new Set([...UNREACHABLE_CODES, ...NETWORK_CODES]);

/** A Lambda SDK error, with the fields of Lambda's throttling answer. */
interface LambdaSdkError extends AwsSdkErrorFields {
  retryAfterSeconds?: string;
  Reason?: string;
}

function firstLine(text: string | undefined): string {
  return (text ?? '').split('\n')[0]?.trim().slice(0, 300) ?? '';
}

/** Sorts any error thrown by a Lambda SDK call. */
export function classifyLambdaError(err: unknown, ctx: LambdaCallContext): LambdaFailure {
  const e = (err ?? {}) as LambdaSdkError;
  const name = e.name ?? 'Error';
  const status = e.$metadata?.httpStatusCode;
  const fn = ctx.functionName ? `function '${ctx.functionName}'` : 'Lambda';
  const where = `${ctx.operation} on ${fn} at ${ctx.endpoint}`;
  const detail = firstLine(e.message);

  if (name === 'TooManyRequestsException' || status === 429) {
    const retryAfterMs = parseRetryAfterMs(e.retryAfterSeconds, {
      maxMs: ctx.maxRetryAfterMs ?? INVOKE_RETRY_DEFAULTS.maxDelayMs,
      wallNowMs: ctx.wallNowMs ?? Date.now(),
    });
    return {
      kind: 'throttled',
      code: name,
      message: `Lambda throttled ${where} (${e.Reason ?? name}${detail ? `: ${detail}` : ''})`,
      ...(retryAfterMs !== undefined && retryAfterMs > 0 ? { retryAfterMs } : {}),
    };
  }
  if (CREDENTIAL_ERRORS.has(name) || (name === 'Error' && /credential/i.test(detail))) {
    return {
      kind: 'credentials',
      code: name,
      message:
        name === 'CredentialsProviderError'
          ? `no AWS credentials found for ${where}: set AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY or AWS_PROFILE, or run where a role is attached`
          : `AWS rejected the credentials for ${where} (${name}): check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, AWS_PROFILE or the role in use`,
    };
  }
  if (name === 'AccessDeniedException' || name === 'AccessDenied' || status === 403) {
    return {
      kind: 'credentials',
      code: name,
      message: `access denied for ${where} (${name}): the credentials work but their IAM policy does not allow this call`,
    };
  }
  if (/region is missing/i.test(detail)) {
    return {
      kind: 'config',
      code: name,
      message: `no AWS region for ${where}: set backend.region (config), --region, or AWS_REGION`,
    };
  }
  if (name === 'ResourceNotFoundException' || status === 404) {
    return {
      kind: 'not-found',
      code: name,
      message: `${fn} not found${ctx.region ? ` in ${ctx.region}` : ''} at ${ctx.endpoint}: deploy it with 'obifaas deploy'`,
    };
  }
  if (name === 'RequestTooLargeException' || status === 413) {
    return {
      kind: 'too-large',
      code: name,
      message: `the payload is over Lambda's request size limit for ${where}: use fewer inputs per invocation`,
    };
  }
  const code = findErrorCode(err, ANY_NETWORK_CODE);
  if (code && UNREACHABLE_CODES.has(code)) {
    return {
      kind: 'unreachable',
      code,
      message: `cannot reach the Lambda endpoint ${ctx.endpoint} (${code}): check the region, --endpoint and the network`,
    };
  }
  if (code) {
    return {
      kind: 'network',
      code,
      message: `connection to ${ctx.endpoint} failed during ${where} (${code})`,
    };
  }
  if (
    TRANSIENT_SERVICE_ERRORS.has(name) ||
    e.$fault === 'server' ||
    (status !== undefined && status >= 500)
  ) {
    return {
      kind: 'service',
      code: name,
      message: `Lambda service error in ${where} (${name}${status ? `, HTTP ${status}` : ''}${detail ? `: ${detail}` : ''})`,
    };
  }
  return { kind: 'client', code: name, message: `${where} failed (${name}${detail ? `: ${detail}` : ''})` };
}
