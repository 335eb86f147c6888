/**
 * The system error codes (`err.code`) of network failures, as Node's sockets, DNS lookups and
 * fetch report them; the Lambda and S3 clients sort their failures by them (pure).
 */

/** A connection that was never made: nothing answers at the endpoint, so trying again will not help. */
export const UNREACHABLE_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

/** A connection that broke or timed out once made, or a name lookup that failed for now: trying again may help. */
export const CONNECTION_LOST_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ECONNABORTED',
  'UND_ERR_SOCKET',
]);

/** Every network failure code: unreachable or lost. */
export const NETWORK_ERROR_CODES: ReadonlySet<string> = new Set([
  ...UNREACHABLE_CODES,
  ...CONNECTION_LOST_CODES,
]);
