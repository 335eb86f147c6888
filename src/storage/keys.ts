/**
 * The rules every store applies to keys, so a key that works in one store works in all of them
 * and a key can never reach outside a store's root.
 */
import { StorageError } from '../errors.js';

/** Longest key, in UTF-8 bytes: S3's limit, so a key that works in one store works in all. */
export const MAX_KEY_BYTES = 1024;

/** Why `key` is not a valid key, or `undefined` when it is valid. */
export function keyProblem(key: string): string | undefined {
  if (typeof key !== 'string' || key.length === 0) return 'a key must not be empty';
  // A UTF-8 character is at most 3 bytes per UTF-16 unit, so short keys skip the count.
  if (key.length * 3 > MAX_KEY_BYTES && Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES)
    return `a key must be at most ${MAX_KEY_BYTES} bytes (UTF-8), as in S3; this one is ${Buffer.byteLength(key, 'utf8')}`;
  if (key.startsWith('/') || key.startsWith('\\') || /^[A-Za-z]:/.test(key)) {
    return 'a key must be relative (no leading "/" or drive letter)';
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(key)) return 'a key must not contain control characters';
  if (key.includes('\\')) return 'a key uses "/" as separator, not "\\"';
  for (const segment of key.split('/')) {
    if (segment === '') return 'a key must not have empty segments ("//" or a trailing "/")';
    if (segment === '.' || segment === '..') return 'a key must not have "." or ".." segments';
  }
  return undefined;
}

/** A key as messages show it: cut after 120 characters, so a huge key never floods a message. */
export function shownKey(key: string): string {
  return key.length <= 120 ? key : `${key.slice(0, 100)}... (${key.length} characters)`;
}

/** Throws `StorageError` (code `Invalid`, naming the key) unless `key` is valid. */
export function assertValidKey(key: string): void {
  const problem = keyProblem(key);
  if (problem !== undefined)
    throw new StorageError(`invalid key '${shownKey(key)}': ${problem}`, 'Invalid', key);
}

/**
 * Throws `StorageError` (code `Invalid`) unless `prefix` is a valid list prefix: empty, or a key
 * possibly followed by `/`, or the start of a key's last segment.
 */
export function assertValidPrefix(prefix: string): void {
  if (prefix === '') return;
  const trimmed = prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
  const problem = trimmed === '' ? 'a prefix must not be "/"' : keyProblem(trimmed);
  if (problem !== undefined) {
    throw new StorageError(
      `invalid prefix '${prefix}': ${problem.replace('a key', 'a prefix')}`,
      'Invalid',
      prefix,
    );
  }
}

/** Orders keys as S3 does: by their UTF-8 bytes. */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
