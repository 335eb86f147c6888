/**
 * Uploads a local dataset (the keys of its `manifest.txt`, or else every image under the
 * folder) to a store, usually `s3://bucket/prefix`, with bounded concurrency, then writes the
 * manifest under the prefix. The manifest goes up last, so a manifest in storage means a
 * complete dataset. The counterpart of the reference's `upload_datasets.py`.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { StorageError, UserError } from '../errors.js';
import type { BlobStore } from '../storage/blob-store.js';
import type { StorageRef } from '../core/storage-ref.js';
import { openStore } from '../storage/open-store.js';
import { parseLocation, type S3LocationOptions } from '../storage/uri.js';
import { Semaphore } from '../util/semaphore.js';
import { resolveInputs } from './inputs.js';
import { MANIFEST_FILE_NAME, formatManifest, readManifest } from './manifest.js';

/** Files uploaded at once when the caller does not say. */
export const DEFAULT_UPLOAD_CONCURRENCY = 16;

/** Missing files named in one error message, at most. */
const MAX_NAMED_MISSING = 5;

export interface UploadProgress {
  done: number;
  total: number;
  /** Bytes uploaded so far. */
  bytes: number;
  totalBytes: number;
}

export interface UploadDatasetOptions {
  /** A dataset folder (with or without `manifest.txt`) or a manifest file. */
  source: string;
  /** Where to: `s3://bucket/prefix` or a local folder. */
  to: string;
  /** Connection settings for an `s3://` destination. */
  s3?: S3LocationOptions;
  /** Files in flight at once. */
  concurrency?: number;
  onProgress?: (progress: UploadProgress) => void;
  /** Opens the destination store (tests pass their own). */
  openStore?: (ref: StorageRef) => Promise<BlobStore>;
}

export interface UploadDatasetResult {
  /** Files uploaded (the manifest not counted). */
  files: number;
  bytes: number;
  seconds: number;
  /** Where the keys came from: the dataset's manifest, or a listing of its folder. */
  keysFrom: 'manifest' | 'folder';
  /** The destination, `s3://bucket/prefix/` or a local folder. */
  destination: string;
  /** The uploaded manifest, `s3://bucket/prefix/manifest.txt` or a local path. */
  manifest: string;
}

interface LocalDataset {
  root: string;
  keys: string[];
  keysFrom: 'manifest' | 'folder';
}

interface Destination {
  ref: StorageRef;
  describe: (key: string) => string;
}

/** Uploads the dataset; throws `UserError` for bad input, `StorageError` when storage fails. */
export async function uploadDataset(options: UploadDatasetOptions): Promise<UploadDatasetResult> {
  const concurrency = options.concurrency ?? DEFAULT_UPLOAD_CONCURRENCY;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new UserError(`concurrency: expected an integer >= 1, got ${concurrency}`);
  }
  const dataset = await readLocalDataset(options.source);
  const sizes = await sizesOf(dataset);
  const totalBytes = sizes.reduce((sum, size) => sum + size, 0);
  const destination = destinationOf(options.to, options.s3 ?? {});
  const started = performance.now();
  const store = await (options.openStore ?? openStore)(destination.ref);
  try {
    let done = 0;
    let bytes = 0;
    let failure: unknown;
    const slots = new Semaphore(concurrency);
    const tasks: Array<Promise<void>> = [];
    for (const [index, key] of dataset.keys.entries()) {
      await slots.acquire();
      if (failure !== undefined) {
        slots.release();
        break;
      }
      const task = uploadOne(store, dataset.root, key)
        .then(() => {
          done++;
          bytes += sizes[index] as number;
          options.onProgress?.({ done, total: dataset.keys.length, bytes, totalBytes });
        })
        .catch((err: unknown) => {
          failure ??= err;
        })
        .finally(() => slots.release());
      tasks.push(task);
    }
    await Promise.all(tasks);
    if (failure !== undefined) throw failure;

    const manifestText = formatManifest(dataset.keys, [
      `${dataset.keys.length} images uploaded by obifaas from ${dataset.root}`,
      'keys are relative to this prefix',
    ]);
    await store.put(MANIFEST_FILE_NAME, manifestText);
    return {
      files: dataset.keys.length,
      bytes,
      seconds: (performance.now() - started) / 1000,
      keysFrom: dataset.keysFrom,
      destination: destination.describe(''),
      manifest: destination.describe(MANIFEST_FILE_NAME),
    };
  } finally {
    await store.close();
  }
}

async function uploadOne(store: BlobStore, root: string, key: string): Promise<void> {
  let body: Buffer;
  try {
    body = await fs.readFile(path.join(root, ...key.split('/')));
  } catch (err) {
    throw new UserError(`cannot read '${key}' in ${root}: ${(err as Error).message}`, { cause: err });
  }
  try {
    await store.put(key, body);
  } catch (err) {
    if (err instanceof StorageError) {
      throw new StorageError(`uploading '${key}': ${err.message}`, err.code, key, { cause: err });
    }
    throw err;
  }
}

/** The keys to upload: the folder's manifest when it has one, else every image under it. */
async function readLocalDataset(source: string): Promise<LocalDataset> {
  const absolute = path.resolve(source);
  const stat = await fs.stat(absolute).catch(() => undefined);
  if (stat === undefined) throw new UserError(`dataset '${source}' does not exist`);
  if (stat.isFile()) {
    return {
      root: path.dirname(absolute),
      keys: await nonEmpty(readManifest(absolute), absolute),
      keysFrom: 'manifest',
    };
  }
  if (!stat.isDirectory()) throw new UserError(`dataset '${source}' is neither a folder nor a manifest file`);
  const manifestPath = path.join(absolute, MANIFEST_FILE_NAME);
  if (
    await fs.stat(manifestPath).then(
      (s) => s.isFile(),
      () => false,
    )
  ) {
    return {
      root: absolute,
      keys: await nonEmpty(readManifest(manifestPath), manifestPath),
      keysFrom: 'manifest',
    };
  }
  const inputs = await resolveInputs(absolute);
  return { root: absolute, keys: inputs.keys, keysFrom: 'folder' };
}

async function nonEmpty(keys: Promise<string[]>, where: string): Promise<string[]> {
  const listed = await keys;
  if (listed.length === 0) throw new UserError(`manifest '${where}' lists no keys`);
  if (listed.includes(MANIFEST_FILE_NAME)) {
    throw new UserError(`manifest '${where}' lists '${MANIFEST_FILE_NAME}' itself, which the upload writes`);
  }
  return listed;
}

/** The size of every file, checked before anything is uploaded; names missing files. */
async function sizesOf(dataset: LocalDataset): Promise<number[]> {
  const sizes: number[] = [];
  const missing: string[] = [];
  for (const key of dataset.keys) {
    const stat = await fs.stat(path.join(dataset.root, ...key.split('/'))).catch(() => undefined);
    if (stat?.isFile()) sizes.push(stat.size);
    else missing.push(key);
  }
  if (missing.length > 0) {
    const named = missing
      .slice(0, MAX_NAMED_MISSING)
      .map((k) => `'${k}'`)
      .join(', ');
    const more = missing.length > MAX_NAMED_MISSING ? ` and ${missing.length - MAX_NAMED_MISSING} more` : '';
    throw new UserError(
      `${missing.length} files of the manifest are missing in ${dataset.root}: ${named}${more}`,
    );
  }
  return sizes;
}

function destinationOf(to: string, s3: S3LocationOptions): Destination {
  const location = parseLocation(to, s3);
  if (location.ref.type === 's3') {
    const prefix = location.key.replace(/\/+$/, '');
    const ref: StorageRef = { ...location.ref, ...(prefix === '' ? {} : { prefix }) };
    const base = `s3://${location.ref.bucket}/${prefix === '' ? '' : `${prefix}/`}`;
    return { ref, describe: (key) => `${base}${key}` };
  }
  const root = path.join(location.ref.root, location.key);
  return { ref: { type: 'fs', root }, describe: (key) => (key === '' ? root : path.join(root, key)) };
}
