import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readErrorInjected } from '../core/faults.js';
import { FsBlobStore } from '../storage/fs/fs-store.js';
import { readErrorKind } from '../storage/read-error-kind.js';
import { withInjectedReadErrors } from './injected-read-errors.js';

let root: string;
const keys = Array.from({ length: 40 }, (_, i) => `in/${i}.bin`);

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'obifaas-read-errors-'));
  for (const key of keys) await new FsBlobStore(root).put(key, `bytes of ${key}`);
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('injected read errors on the function side', () => {
  it('fails exactly the reads the decision picks for the attempt, as a passing storage error', async () => {
    const fault = { percent: 40, seed: 3 };
    for (const attempt of [0, 1]) {
      const store = withInjectedReadErrors(new FsBlobStore(root), fault, attempt);
      const outcomes = await Promise.all(
        keys.map((key) =>
          store.get(key).then(
            (b) => b.toString(),
            (e: unknown) => e,
          ),
        ),
      );
      const failed = keys.filter((_, i) => outcomes[i] instanceof Error);
      expect(failed).toEqual(keys.filter((key) => readErrorInjected(fault, key, attempt)));
      expect(failed.length).toBeGreaterThan(0);
      expect(failed.length).toBeLessThan(keys.length);
      outcomes.forEach((outcome, i) => {
        if (outcome instanceof Error) {
          expect(outcome).toMatchObject({ name: 'SlowDown', $metadata: { httpStatusCode: 503 } });
          expect(outcome.message).toMatch(/^injected fault: SlowDown \(503\)/);
          expect(readErrorKind(outcome)).toBe('passing');
        } else expect(outcome).toBe(`bytes of ${keys[i]}`);
      });
    }
  });

  it('fails a picked read before reading (a missing key fails the same way); every other call goes to the store', async () => {
    const store = withInjectedReadErrors(new FsBlobStore(root), { percent: 100, seed: 1 }, 0);
    await expect(store.get('in/missing.bin')).rejects.toMatchObject({ name: 'SlowDown' });
    const plain = withInjectedReadErrors(new FsBlobStore(root), { percent: 0, seed: 1 }, 0);
    await expect(plain.get('in/missing.bin')).rejects.toMatchObject({ code: 'NotFound' });
    expect(readErrorKind(await plain.get('in/missing.bin').catch((e: unknown) => e))).toBe('permanent');
    expect(await store.exists(keys[0] as string)).toBe(true);
    const listed: string[] = [];
    for await (const key of store.list('in/')) listed.push(key);
    expect(listed.sort()).toEqual([...keys].sort());
    expect(store.ref).toEqual({ type: 'fs', root: path.resolve(root) });
  });
});
