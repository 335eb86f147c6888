/**
 * One behaviour suite for every `BlobStore` implementation. A store's test file calls
 * `describeBlobStoreConformance('fs', makeStore)`; each test gets a fresh, empty store.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StorageError } from '../errors.js';
import type { BlobStore } from './blob-store.js';
import { compareKeys } from './keys.js';

/** A fresh, empty store and how to remove it. */
export interface ConformanceFixture {
  store: BlobStore;
  cleanup: () => Promise<void>;
}

export interface ConformanceOptions {
  /** Keys written by the large-listing test; above 1,000 so S3 pagination is exercised. */
  manyKeys?: number;
  /** Parallel puts while writing many keys. */
  putConcurrency?: number;
}

async function collect(iterable: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

async function putAll(store: BlobStore, keys: string[], concurrency: number): Promise<void> {
  let next = 0;
  const runOne = async (): Promise<void> => {
    while (next < keys.length) {
      const key = keys[next++] as string;
      await store.put(key, key);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, keys.length) }, runOne));
}

async function expectStorageError(promise: Promise<unknown>, code: string, key: string): Promise<void> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, `expected a StorageError ${code} for '${key}'`).toBeInstanceOf(StorageError);
  const storageError = err as StorageError;
  expect(storageError.code).toBe(code);
  expect(storageError.key).toBe(key);
  expect(storageError.message).toContain(key);
}

export function describeBlobStoreConformance(
  name: string,
  makeStore: () => Promise<ConformanceFixture>,
  options: ConformanceOptions = {},
): void {
  const manyKeys = options.manyKeys ?? 1_050;
  const putConcurrency = options.putConcurrency ?? 16;

  describe(`BlobStore conformance: ${name}`, () => {
    let fixture: ConformanceFixture;
    let store: BlobStore;

    beforeEach(async () => {
      fixture = await makeStore();
      store = fixture.store;
    });

    afterEach(async () => {
      await store.close();
      await fixture.cleanup();
    });

    it('returns the exact bytes that were put (every byte value)', async () => {
      const body = Buffer.alloc(4096 + 3);
      for (let i = 0; i < body.length; i++) body[i] = (i * 31 + (i >> 8)) & 0xff;
      await store.put('bin/all-bytes.dat', body);
      const got = await store.get('bin/all-bytes.dat');
      expect(Buffer.isBuffer(got)).toBe(true);
      expect(got.equals(body)).toBe(true);
    });

    it('accepts Uint8Array and string bodies', async () => {
      await store.put('u8', new Uint8Array([0, 1, 254, 255]));
      await store.put('text.txt', 'héllo ✓');
      expect([...(await store.get('u8'))]).toEqual([0, 1, 254, 255]);
      expect((await store.get('text.txt')).toString('utf8')).toBe('héllo ✓');
    });

    it('overwrites an object completely (a shorter body leaves no tail)', async () => {
      await store.put('a.txt', 'a much longer first version');
      await store.put('a.txt', 'short');
      expect((await store.get('a.txt')).toString()).toBe('short');
      expect(await collect(store.list())).toEqual(['a.txt']);
    });

    it('says whether a key exists (a folder-like prefix is not an object)', async () => {
      expect(await store.exists('x/y.jpg')).toBe(false);
      await store.put('x/y.jpg', 'y');
      expect(await store.exists('x/y.jpg')).toBe(true);
      expect(await store.exists('x')).toBe(false);
      expect(await store.exists('x/y')).toBe(false);
    });

    it('fails a missing key with StorageError NotFound naming the key', async () => {
      await store.put('present.jpg', 'p');
      await expectStorageError(store.get('missing/none.jpg'), 'NotFound', 'missing/none.jpg');
      await expectStorageError(store.get('present.jpg/inner'), 'NotFound', 'present.jpg/inner');
    });

    it('lists keys sorted, with and without a prefix', async () => {
      const keys = ['b/2.jpg', 'a.txt', 'b/10.jpg', 'b/1.jpg', 'c/d/e.png', 'ba.txt', 'b-c.txt'];
      for (const key of keys) await store.put(key, key);
      expect(await collect(store.list())).toEqual([...keys].sort(compareKeys));
      expect(await collect(store.list(''))).toEqual([...keys].sort(compareKeys));
      expect(await collect(store.list('b/'))).toEqual(['b/1.jpg', 'b/10.jpg', 'b/2.jpg']);
      // A prefix is text, not a folder: 'b' matches 'ba.txt' and 'b-c.txt' too.
      expect(await collect(store.list('b'))).toEqual(['b-c.txt', 'b/1.jpg', 'b/10.jpg', 'b/2.jpg', 'ba.txt']);
      expect(await collect(store.list('b/1'))).toEqual(['b/1.jpg', 'b/10.jpg']);
      expect(await collect(store.list('c/'))).toEqual(['c/d/e.png']);
      expect(await collect(store.list('nothing/'))).toEqual([]);
    });

    it('lists an empty store as empty', async () => {
      expect(await collect(store.list())).toEqual([]);
    });

    it(`lists ${manyKeys} keys, all of them, in order`, async () => {
      const keys = Array.from({ length: manyKeys }, (_, i) => `many/${String(i).padStart(5, '0')}.jpg`);
      await putAll(store, keys, putConcurrency);
      await store.put('other.txt', 'not under the prefix');
      const listed = await collect(store.list('many/'));
      expect(listed.length).toBe(manyKeys);
      expect(listed).toEqual(keys);
      expect((await collect(store.list())).length).toBe(manyKeys + 1);
    });

    it('stores deeply nested keys and keys with spaces and non-ASCII characters', async () => {
      const keys = ['a/b/c/d/e/f.jpg', 'photos/été 2024/plage (1).jpg', 'x/y+z=1&q.png'];
      for (const key of keys) await store.put(key, `body of ${key}`);
      for (const key of keys) expect((await store.get(key)).toString()).toBe(`body of ${key}`);
      expect(await collect(store.list())).toEqual([...keys].sort(compareKeys));
      expect(await collect(store.list('photos/été'))).toEqual(['photos/été 2024/plage (1).jpg']);
    });

    it('stores an empty object', async () => {
      await store.put('empty.bin', Buffer.alloc(0));
      expect(await store.exists('empty.bin')).toBe(true);
      expect((await store.get('empty.bin')).length).toBe(0);
      expect(await collect(store.list())).toEqual(['empty.bin']);
    });

    it('refuses an object over maxBytes with StorageError Invalid, and accepts one at the limit', async () => {
      await store.put('big.bin', Buffer.alloc(1000, 7));
      await expectStorageError(store.get('big.bin', { maxBytes: 999 }), 'Invalid', 'big.bin');
      expect((await store.get('big.bin', { maxBytes: 1000 })).length).toBe(1000);
    });
  });
}
