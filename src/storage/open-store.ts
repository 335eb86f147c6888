/**
 * Opens the `BlobStore` that a `StorageRef` names. Each kind of store is loaded only when used,
 * so the S3 SDK is never imported for local runs.
 */
import { UserError } from '../errors.js';
import type { BlobStore } from './blob-store.js';
import type { StorageRef } from '../core/storage-ref.js';
import { ownEntry } from '../util/schema.js';

type RefOf<T extends StorageRef['type']> = Extract<StorageRef, { type: T }>;

/** How to open each kind of store. Adding a kind of store is one entry here. */
const openers: { [T in StorageRef['type']]: (ref: RefOf<T>) => Promise<BlobStore> } = {
  fs: async (ref) => new (await import('./fs/fs-store.js')).FsBlobStore(ref.root),
  s3: async (ref) => (await importOptional<S3Module>('./s3/s3-store.js', 'S3')).openS3Store(ref),
};

/** The module that implements S3 storage (loaded on first use; it brings the AWS SDK). */
interface S3Module {
  openS3Store(ref: RefOf<'s3'>): Promise<BlobStore>;
}

/** Opens the store `ref` names; the caller closes it. */
export async function openStore(ref: StorageRef): Promise<BlobStore> {
  // An own entry only: a type such as 'constructor' names no store, never Object.prototype's.
  const type = (ref as { type: unknown }).type;
  const open =
    typeof type === 'string'
      ? (ownEntry(openers, type) as ((ref: StorageRef) => Promise<BlobStore>) | undefined)
      : undefined;
  if (open === undefined) {
    throw new UserError(`storage.type: unknown storage type '${String(type)}' (expected fs or s3)`);
  }
  return open(ref);
}

/**
 * Imports a store module that a build may lack; a missing module becomes a `UserError` saying
 * that this kind of storage is not available.
 */
export async function importOptional<T>(specifier: string, what: string): Promise<T> {
  try {
    return (await import(specifier)) as T;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const message = err instanceof Error ? err.message : String(err);
    if (code === 'ERR_MODULE_NOT_FOUND' || /Cannot find module|Failed to load url/i.test(message)) {
      throw new UserError(`${what} storage support is not available in this installation`, { cause: err });
    }
    throw err;
  }
}
