import * as crypto from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { redactUrl, sameSecret } from './secret.js';

vi.mock('node:crypto', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:crypto')>();
  return { ...actual, timingSafeEqual: vi.fn(actual.timingSafeEqual) };
});

afterEach(() => {
  vi.mocked(crypto.timingSafeEqual).mockClear();
});

describe('sameSecret', () => {
  it('is true only for equal secrets', () => {
    const token = 'kM3v_1x2-Qq9';
    expect(sameSecret(token, token)).toBe(true);
    expect(sameSecret(`${token.slice(0, -1)}X`, token)).toBe(false);
    expect(sameSecret('', token)).toBe(false);
    expect(sameSecret('é', 'é')).toBe(true);
  });

  it('compares secrets of different lengths in constant time: no early return, always two 32-byte digests', () => {
    const expected = 'x'.repeat(43);
    for (const given of ['', 'x', 'x'.repeat(42), 'x'.repeat(44), 'x'.repeat(10_000)]) {
      vi.mocked(crypto.timingSafeEqual).mockClear();
      expect(sameSecret(given, expected)).toBe(false);
      const calls = vi.mocked(crypto.timingSafeEqual).mock.calls;
      expect(calls, `given of length ${given.length}`).toHaveLength(1);
      const [a, b] = calls[0] as [Buffer, Buffer];
      expect([a.length, b.length]).toEqual([32, 32]);
    }
  });
});

describe('redactUrl', () => {
  it('masks the user name, password and query of a URL, and leaves other text alone', () => {
    expect(redactUrl('http://AKID:secret@minio:9000/bucket')).toBe('http://***@minio:9000/bucket');
    expect(redactUrl('https://b.s3.amazonaws.com/k?X-Amz-Signature=abc#frag')).toBe(
      'https://b.s3.amazonaws.com/k?***#frag',
    );
    expect(redactUrl('s3://bucket/prefix')).toBe('s3://bucket/prefix');
    expect(redactUrl('./folder?x=1')).toBe('./folder?x=1');
  });
});
