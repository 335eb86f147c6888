import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { UserError } from '../errors.js';
import type { BlobStore } from './blob-store.js';
import type { StorageRef } from '../core/storage-ref.js';
import { FsBlobStore } from './fs/fs-store.js';
import { importOptional, openStore } from './open-store.js';

const here = path.dirname(fileURLToPath(import.meta.url));

describe('openStore', () => {
  it('opens a filesystem store at the ref root', async () => {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), 'obifaas-open-store-'));
    try {
      const store = await openStore({ type: 'fs', root });
      expect(store).toBeInstanceOf(FsBlobStore);
      await store.put('k.txt', 'v');
      expect(await fs.readFile(path.join(root, 'k.txt'), 'utf8')).toBe('v');
      await store.close();
    } finally {
      await fs.rm(root, { recursive: true, force: true });
    }
  });

  it('opens an S3 store when the S3 module is present, and says S3 is not available otherwise', async () => {
    const present = existsSync(path.join(here, 's3', 's3-store.ts'));
    const result = await openStore({ type: 's3', bucket: 'bucket', region: 'us-east-1' }).catch(
      (e: unknown) => e,
    );
    if (present) {
      expect((result as BlobStore).ref).toMatchObject({ type: 's3', bucket: 'bucket' });
      await (result as BlobStore).close();
    } else {
      expect(result).toBeInstanceOf(UserError);
      expect((result as Error).message).toMatch(/S3 storage support is not available/);
    }
  });

  it('turns a missing store module into a UserError saying the storage is not available', async () => {
    const err = await importOptional('./no-such-store/store.js', 'Example').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toBe('Example storage support is not available in this installation');
  });

  it('refuses an unknown storage type', async () => {
    const err = await openStore({ type: 'ftp' } as unknown as StorageRef).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toContain("'ftp'");
  });

  it('refuses a type that names a member of Object.prototype, not calling it', async () => {
    for (const type of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      const err = await openStore({ type } as unknown as StorageRef).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UserError);
      expect((err as Error).message).toBe(`storage.type: unknown storage type '${type}' (expected fs or s3)`);
    }
  });
});
