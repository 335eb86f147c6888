/** Comparison of secrets (tokens) that leaks neither where they differ nor how long they are. */
import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

/**
 * True when `given` equals `expected`. Both are hashed to SHA-256 first, so the constant-time
 * comparison always runs on two 32-byte digests: there is no early return on a length mismatch,
 * and the time taken depends on neither the position of the first difference nor the lengths.
 */
export function sameSecret(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

/**
 * `text` with what a URL may carry as secrets masked, for messages and records: the user name
 * and password (`https://***@host/`) and the query string (`?***`, where signed URLs keep their
 * signature). Text that is not a URL comes back unchanged.
 */
export function redactUrl(text: string): string {
  return text
    .replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/?#@]*@/i, '$1***@')
    .replace(/^([a-z][a-z0-9+.-]*:\/\/[^?#]*)\?[^#]*/i, '$1?***');
}
