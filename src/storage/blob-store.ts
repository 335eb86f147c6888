/**
 * Storage of inputs, models and outputs. A dataset is a manifest of keys in a store.
 * Every implementation passes the same conformance suite (`storage/conformance.ts`).
 */

/** Where a store lives; serialisable, so it travels in worker payloads. */
export type StorageRef =
  | { type: 'fs'; root: string }
  | {
      type: 's3';
      bucket: string;
      prefix?: string;
      region?: string;
      endpoint?: string;
      forcePathStyle?: boolean;
    };

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
