import { describe, expect, it } from 'vitest';
import { StorageError } from '../errors.js';
import { assertValidKey, keyProblem, MAX_KEY_BYTES, shownKey } from './keys.js';

describe('keys', () => {
  it('caps keys at 1,024 bytes of UTF-8, as S3 does', () => {
    expect(keyProblem('a'.repeat(MAX_KEY_BYTES))).toBeUndefined();
    expect(keyProblem('a'.repeat(MAX_KEY_BYTES + 1))).toMatch(/at most 1024 bytes .* this one is 1025/);
    // 342 three-byte characters are 1,026 bytes, though only 342 UTF-16 units.
    expect(keyProblem('€'.repeat(342))).toMatch(/this one is 1026/);
    expect(keyProblem('€'.repeat(341))).toBeUndefined();
  });

  it('names a huge key by its start only', () => {
    const key = 'x'.repeat(1_000_000);
    let error: unknown;
    try {
      assertValidKey(key);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(StorageError);
    expect((error as Error).message.length).toBeLessThan(300);
    expect(shownKey(key)).toMatch(/^x{100}\.\.\. \(1000000 characters\)$/);
  });
});
