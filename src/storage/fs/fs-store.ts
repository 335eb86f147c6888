/**
 * A `BlobStore` over a folder of the local filesystem. Keys map to files under the root; writes
 * are atomic (a temporary file in the same folder, then a rename), so readers never see half an
 * object.
 */
import { randomBytes } from 'node:crypto';
import type { Dirent } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { StorageError, type StorageErrorCode } from '../../errors.js';
import type { BlobStore } from '../blob-store.js';
import type { StorageRef } from '../../core/storage-ref.js';
import { assertValidKey, assertValidPrefix, compareKeys } from '../keys.js';
import { FileRefusal, readRegularFile } from '../../util/regular-file.js';
import { FolderRefusal, makeFolder } from '../../util/make-folder.js';
import { isInsideFolder } from '../../util/paths.js';

/** Temporary files of unfinished writes start with this; `list()` never shows them. */
export const TEMP_FILE_PREFIX = '.obifaas-tmp-';

export class FsBlobStore implements BlobStore {
  readonly ref: StorageRef;
  /** Absolute path of the root folder. */
  readonly root: string;
  private realRootPromise: Promise<string> | undefined;

  constructor(root: string) {
    this.root = path.resolve(root);
    this.ref = { type: 'fs', root: this.root };
  }

  /** The absolute file path of a (validated) key. */
  pathOf(key: string): string {
    assertValidKey(key);
    return path.join(this.root, ...key.split('/'));
  }

  async get(key: string, options: { signal?: AbortSignal; maxBytes?: number } = {}): Promise<Buffer> {
    const file = this.pathOf(key);
    try {
      const real = await this.containedPath(key, file);
      return await readRegularFile(real, {
        ...(options.maxBytes !== undefined ? { maxBytes: options.maxBytes } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
        what: 'object',
      });
    } catch (err) {
      throw this.mapError(err, key, 'read');
    }
  }

  async put(key: string, body: Buffer | Uint8Array | string): Promise<void> {
    const file = this.pathOf(key);
    const dir = path.dirname(file);
    const temp = path.join(dir, `${TEMP_FILE_PREFIX}${process.pid}-${randomBytes(6).toString('hex')}`);
    try {
      await makeFolder(dir);
      await fs.writeFile(temp, body);
      await fs.rename(temp, file);
    } catch (err) {
      await fs.rm(temp, { force: true }).catch(() => undefined);
      throw this.mapError(err, key, 'write');
    }
  }

  async exists(key: string): Promise<boolean> {
    const file = this.pathOf(key);
    try {
      return (await fs.stat(await this.containedPath(key, file))).isFile();
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return false;
      if (err instanceof StorageError && err.code === 'Invalid') return false;
      throw this.mapError(err, key, 'check');
    }
  }

  async *list(prefix = ''): AsyncIterable<string> {
    assertValidPrefix(prefix);
    // Walk only the deepest folder that the prefix names, then filter by the prefix as text.
    const slash = prefix.lastIndexOf('/');
    const base = slash < 0 ? '' : prefix.slice(0, slash + 1);
    const keys: string[] = [];
    await this.walk(base, keys);
    const selected = keys.filter((key) => key.startsWith(prefix)).sort(compareKeys);
    yield* selected;
  }

  async close(): Promise<void> {
    // Nothing to release: every call opens and closes its own file handles.
  }

  /** Collects every file key under the folder `base` (`''` or ending in `/`), recursively. */
  private async walk(base: string, into: string[]): Promise<void> {
    const dir = path.join(this.root, ...base.split('/').filter((s) => s !== ''));
    let entries: Dirent[];
    try {
      entries = await fs.readdir(dir, { withFileTypes: true });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return;
      throw this.mapError(err, base, 'list');
    }
    for (const entry of entries) {
      if (entry.name.startsWith(TEMP_FILE_PREFIX)) continue;
      const key = `${base}${entry.name}`;
      if (entry.isDirectory()) {
        await this.walk(`${key}/`, into);
      } else if (entry.isFile()) {
        into.push(key);
      } else if (entry.isSymbolicLink()) {
        // Links to files inside the root count as objects; links to folders are not followed
        // (no cycles), and links out of the root are not objects of this store.
        const target = await this.containedPath(key, path.join(dir, entry.name))
          .then((real) => fs.stat(real))
          .catch(() => undefined);
        if (target?.isFile()) into.push(key);
      }
    }
  }

  /** The root with every symbolic link resolved (once per store). */
  private realRoot(): Promise<string> {
    this.realRootPromise ??= fs.realpath(this.root).catch(() => this.root);
    return this.realRootPromise;
  }

  /**
   * The real path of `file` (the file of `key`), with every symbolic link resolved; throws
   * `StorageError` (`Invalid`) when it leads out of the store's root.
   */
  private async containedPath(key: string, file: string): Promise<string> {
    const [real, root] = await Promise.all([fs.realpath(file), this.realRoot()]);
    if (real !== root && isInsideFolder(real, root)) return real;
    throw new StorageError(
      `key '${key}' leads out of ${this.root} (a symbolic link to a file outside the store)`,
      'Invalid',
      key,
    );
  }

  private notFound(key: string): StorageError {
    return new StorageError(`no such key '${key}' in ${this.root}`, 'NotFound', key);
  }

  /** A `StorageError` for a failed filesystem call; an abort stays the `AbortError` it is. */
  private mapError(err: unknown, key: string, action: string): Error {
    if (err instanceof StorageError) return err;
    if (err instanceof Error && err.name === 'AbortError') return err;
    if (err instanceof FolderRefusal) {
      // The folder of the key cannot be created: say which and why, not that the key is missing.
      const message = `cannot ${action} '${key}' in ${this.root}: ${err.message}`;
      return new StorageError(message, folderCode(err.code), key, { cause: err });
    }
    if (err instanceof FileRefusal) {
      const code = err.reason === 'missing' ? 'NotFound' : err.reason === 'unreadable' ? 'Other' : 'Invalid';
      // A folder is no object (as in S3); a FIFO, socket or device is one we refuse to read.
      if (code === 'NotFound' || err.detail === 'is a folder') return this.notFound(key);
      return new StorageError(`cannot ${action} '${key}' in ${this.root}: it ${err.detail}`, code, key, {
        cause: err,
      });
    }
    const e = err as NodeJS.ErrnoException;
    const options = { cause: err };
    switch (e?.code) {
      case 'ENOENT':
        return new StorageError(`no such key '${key}' in ${this.root}`, 'NotFound', key, options);
      case 'EISDIR':
        return action === 'write'
          ? new StorageError(
              `cannot write '${key}' in ${this.root}: a folder has that name`,
              'Invalid',
              key,
              options,
            )
          : new StorageError(`no such key '${key}' in ${this.root}`, 'NotFound', key, options);
      case 'ENOTDIR':
        return action === 'write'
          ? new StorageError(
              `cannot write '${key}' in ${this.root}: a parent is a file`,
              'Invalid',
              key,
              options,
            )
          : new StorageError(`no such key '${key}' in ${this.root}`, 'NotFound', key, options);
      case 'EEXIST':
        return new StorageError(
          `cannot write '${key}' in ${this.root}: a parent is a file`,
          'Invalid',
          key,
          options,
        );
      case 'EACCES':
      case 'EPERM':
        return new StorageError(
          `permission denied to ${action} '${key}' in ${this.root}`,
          'AccessDenied',
          key,
          options,
        );
      default:
        return new StorageError(
          `cannot ${action} '${key}' in ${this.root}: ${e?.message ?? String(err)}`,
          'Other',
          key,
          options,
        );
    }
  }
}

/** The storage code of a folder that cannot be created, from the system's error code. */
function folderCode(code: string): StorageErrorCode {
  if (code === 'EACCES' || code === 'EPERM') return 'AccessDenied';
  // Full disk or an I/O error: the machine's fault, not the path's.
  if (code === 'ENOSPC' || code === 'EIO') return 'Other';
  return 'Invalid';
}
