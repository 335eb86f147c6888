/**
 * Storage of inputs, models and outputs. A dataset is a manifest of keys in a store.
 * Every implementation passes the same conformance suite (`storage/conformance.ts`).
 */
import type { StorageRef } from '../core/storage-ref.js';

/** A key/value store of byte blobs. Keys use `/` as separator and never start with `/`. */
export interface BlobStore {
  readonly ref: StorageRef;
  /** The object's bytes; throws `StorageError` with code `NotFound` when it is missing. */
  get(key: string, options?: { signal?: AbortSignal; maxBytes?: number }): Promise<Buffer>;
  put(key: string, body: Buffer | Uint8Array | string): Promise<void>;
  exists(key: string): Promise<boolean>;
  /** Keys under `prefix`, in lexicographic order. */
  list(prefix?: string): AsyncIterable<string>;
  close(): Promise<void>;
}
