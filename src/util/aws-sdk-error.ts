/**
 * What an error thrown by an AWS SDK v3 client (Lambda, S3) may carry, as the clients' error
 * sorters read it (pure): every field may be missing, since anything can be thrown.
 */

/** The fields of an AWS SDK v3 service, network or credentials error. */
export interface AwsSdkErrorFields {
  /** The service's error code (`NoSuchKey`, `TooManyRequestsException`) or the JS error's name. */
  name?: string;
  /** A system error code (`ECONNREFUSED`) on network errors. */
  code?: string;
  message?: string;
  cause?: unknown;
  /** An `AggregateError`'s errors (a connection tried on several addresses). */
  errors?: unknown[];
  /** Whose fault it was: `client` or `server`. */
  $fault?: string;
  $metadata?: { httpStatusCode?: number; requestId?: string; attempts?: number };
}
