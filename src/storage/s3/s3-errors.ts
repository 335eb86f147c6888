/**
 * Turns errors from the S3 SDK (service errors, network errors, missing credentials) into
 * `StorageError`s with a code and a one-line message that says what to check. Messages name
 * the bucket, key and endpoint, never credentials.
 */
import { StorageError } from '../../errors.js';
import type { AwsSdkErrorFields } from '../../util/aws-sdk-error.js';
import { findErrorCode, NETWORK_ERROR_CODES } from '../../util/network-errors.js';

/** What the failed call was doing, for the message. */
export interface S3CallContext {
  /** The S3 operation, e.g. `GetObject`. */
  operation: string;
  bucket: string;
  /** The full object key (prefix included), when the call was about one object. */
  key?: string | undefined;
  /** The key as the caller named it (without the store's prefix); goes into `StorageError.key`. */
  callerKey?: string | undefined;
  /** The endpoint URL the client talks to. */
  endpoint: string;
}

const ACCESS_DENIED = new Set(['AccessDenied', 'Forbidden', 'AllAccessDisabled', 'AccountProblem']);
const BAD_CREDENTIALS = new Set([
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'InvalidToken',
  'ExpiredToken',
  'TokenRefreshRequired',
  'InvalidClientTokenId',
]);

/** Maps any error thrown by an S3 call to a `StorageError` (returned, not thrown). */
export function toStorageError(err: unknown, ctx: S3CallContext): StorageError {
  if (err instanceof StorageError) return err;
  const e = (err ?? {}) as AwsSdkErrorFields;
  const name = e.name ?? '';
  const status = e.$metadata?.httpStatusCode;
  const where = ctx.key === undefined ? `s3://${ctx.bucket}` : `s3://${ctx.bucket}/${ctx.key}`;
  const options = { cause: slimCause(err) };

  if (name === 'NoSuchBucket') {
    return new StorageError(
      `bucket '${ctx.bucket}' does not exist (at ${ctx.endpoint})`,
      'NoSuchBucket',
      ctx.callerKey,
      options,
    );
  }
  if (name === 'NoSuchKey' || ((name === 'NotFound' || status === 404) && ctx.key !== undefined)) {
    return new StorageError(
      `no object '${ctx.callerKey ?? ctx.key}' (${where})`,
      'NotFound',
      ctx.callerKey,
      options,
    );
  }
  if (BAD_CREDENTIALS.has(name)) {
    return new StorageError(
      `S3 rejected the credentials for ${where} (${name}): check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, AWS_PROFILE or the role in use`,
      'AccessDenied',
      ctx.callerKey,
      options,
    );
  }
  if (ACCESS_DENIED.has(name) || status === 403) {
    return new StorageError(
      `access denied to ${where} (${ctx.operation}): check the credentials / bucket policy`,
      'AccessDenied',
      ctx.callerKey,
      options,
    );
  }
  if (name === 'CredentialsProviderError') {
    return new StorageError(
      `no AWS credentials found for ${where}: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or run with a role`,
      'AccessDenied',
      ctx.callerKey,
      options,
    );
  }
  const networkCode = findErrorCode(err, NETWORK_ERROR_CODES);
  if (networkCode !== undefined || name === 'TimeoutError') {
    return new StorageError(
      `cannot reach S3 endpoint ${ctx.endpoint}: ${networkCode ?? 'timed out'}`,
      'Unreachable',
      ctx.callerKey,
      { cause: slimCause(err, networkCode) },
    );
  }
  const detail = e.message && e.message !== name ? `${name || 'Error'}: ${e.message}` : name || String(err);
  const statusText = status !== undefined ? ` (HTTP ${status})` : '';
  return new StorageError(
    `S3 ${ctx.operation} ${where} failed${statusText}: ${detail}`,
    'Other',
    ctx.callerKey,
    options,
  );
}

/** What an S3 call should throw: a cancellation stays the `AbortError` it is, the rest maps. */
export function s3Failure(err: unknown, ctx: S3CallContext): Error {
  if (err instanceof Error && err.name === 'AbortError') return err;
  return toStorageError(err, ctx);
}

/**
 * The SDK's error without its HTTP response (sockets, buffers): what is worth keeping as a
 * `cause` for debugging, small enough to print or serialise; `networkCode`, found in the
 * causes it drops, is kept as its `code` when it has none (whether a read may be tried again
 * depends on it: `storage/read-error-kind.ts`).
 */
function slimCause(err: unknown, networkCode?: string): unknown {
  if (!(err instanceof Error)) return err;
  const e = err as Error & AwsSdkErrorFields;
  const slim = new Error(e.message) as Error & Record<string, unknown>;
  slim.name = e.name;
  slim.stack = e.stack;
  if (e.code !== undefined) slim.code = e.code;
  else if (networkCode !== undefined) slim.code = networkCode;
  if (e.$fault !== undefined) slim.fault = e.$fault;
  const meta = e.$metadata;
  if (meta !== undefined) {
    slim.httpStatusCode = meta.httpStatusCode;
    slim.requestId = meta.requestId;
    slim.attempts = meta.attempts;
  }
  return slim;
}
