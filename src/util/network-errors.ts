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

/**
 * The first of `codes` that an error carries as its `code` (or `name`, as SDKs name a timeout),
 * looking through its aggregated errors (a connection tried on several addresses), then its
 * causes (clients wrap the socket's error).
 */
export function findErrorCode(err: unknown, codes: ReadonlySet<string>, depth = 0): string | undefined {
  if (depth > 5 || typeof err !== 'object' || err === null) return undefined;
  const e = err as { code?: unknown; name?: unknown; errors?: unknown; cause?: unknown };
  if (typeof e.code === 'string' && codes.has(e.code)) return e.code;
  if (typeof e.name === 'string' && codes.has(e.name)) return e.name;
  for (const inner of [...(Array.isArray(e.errors) ? (e.errors as unknown[]) : []), e.cause]) {
    const found = findErrorCode(inner, codes, depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}
