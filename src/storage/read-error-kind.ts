/**
 * Whether a failed storage read may succeed when tried again (pure): the one place that decides
 * from what an error carries, never from its text. A StorageError whose code says the object is
 * missing, refused or invalid is `permanent`; otherwise the error and its causes are searched
 * for a sign of a passing failure: an S3 service error name (`SlowDown`), an HTTP status of
 * throttling or a server fault (429, 5xx), a socket that broke or timed out, or a process out of
 * file handles (`EMFILE`). Anything else, unknown errors included, is `permanent`.
 */
import type { InputErrorKind } from '../core/prediction.js';
import { StorageError, type StorageErrorCode } from '../errors.js';
import type { AwsSdkErrorFields } from '../util/aws-sdk-error.js';
import { CONNECTION_LOST_CODES } from '../util/network-errors.js';

/** Storage codes that no retry changes: the object or bucket is missing, refused or invalid. */
const FINAL_STORAGE_CODES: ReadonlySet<StorageErrorCode> = new Set([
  'NotFound',
  'NoSuchBucket',
  'AccessDenied',
  'Invalid',
]);

/** S3 (and AWS) error names of throttling, timeouts and server faults. */
export const PASSING_SERVICE_ERRORS: ReadonlySet<string> = new Set([
  'SlowDown',
  'ServiceUnavailable',
  'InternalError',
  'RequestTimeout',
  'RequestTimeoutException',
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'BandwidthLimitExceeded',
  'TimeoutError',
]);

/** HTTP statuses of throttling and of a server that failed for now. */
export const PASSING_HTTP_STATUSES: ReadonlySet<number> = new Set([429, 500, 502, 503, 504]);

/** System error codes of a broken or timed-out connection, or of a process short of file handles. */
export const PASSING_SYSTEM_CODES: ReadonlySet<string> = new Set([
  ...CONNECTION_LOST_CODES,
  'EMFILE',
  'ENFILE',
  'EAGAIN',
  'EBUSY',
]);

/** Causes searched at most this deep (clients wrap the socket's error in their own). */
const MAX_CAUSE_DEPTH = 5;

/** Whether reading an input again may succeed after `err` (see the module comment). */
export function readErrorKind(err: unknown): InputErrorKind {
  if (err instanceof StorageError && FINAL_STORAGE_CODES.has(err.code)) return 'permanent';
  return hasPassingSign(err, 0) ? 'passing' : 'permanent';
}

function hasPassingSign(err: unknown, depth: number): boolean {
  if (depth > MAX_CAUSE_DEPTH || typeof err !== 'object' || err === null) return false;
  const e = err as AwsSdkErrorFields & { httpStatusCode?: unknown };
  if (typeof e.name === 'string' && PASSING_SERVICE_ERRORS.has(e.name)) return true;
  if (typeof e.code === 'string' && PASSING_SYSTEM_CODES.has(e.code)) return true;
  const status = e.$metadata?.httpStatusCode ?? e.httpStatusCode;
  if (typeof status === 'number' && PASSING_HTTP_STATUSES.has(status)) return true;
  const inner = [...(Array.isArray(e.errors) ? e.errors : []), e.cause];
  return inner.some((cause) => hasPassingSign(cause, depth + 1));
}
