/**
 * Resolves what the user named as a job's inputs — a manifest file or a folder of images, local
 * or in S3 — into a storage reference and the list of keys in it.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { StorageError, UserError } from '../errors.js';
import type { BlobStore } from '../storage/blob-store.js';
import type { StorageRef } from '../core/storage-ref.js';
import { FsBlobStore } from '../storage/fs/fs-store.js';
import { openStore } from '../storage/open-store.js';
import { parseLocation, type S3LocationOptions } from '../storage/uri.js';
import { MANIFEST_MAX_BYTES, parseManifest, readManifest } from './manifest.js';

/** File extensions (lower case, without the dot) that a folder input picks up as images. */
export const IMAGE_EXTENSIONS: readonly string[] = [
  'jpg',
  'jpeg',
  'png',
  'webp',
  'gif',
  'tif',
  'tiff',
  'avif',
  'heic',
  'heif',
  'bmp',
];

const IMAGE_EXTENSION_SET = new Set(IMAGE_EXTENSIONS);

/** True when the key's extension is an image extension (case-insensitive). */
export function isImageKey(key: string): boolean {
  const dot = key.lastIndexOf('.');
  if (dot < 0 || dot < key.lastIndexOf('/')) return false;
  return IMAGE_EXTENSION_SET.has(key.slice(dot + 1).toLowerCase());
}

/** A job's inputs: the keys, in order, and the storage they live in. */
export interface ResolvedInputs {
  storage: StorageRef;
  keys: string[];
  /** What the location turned out to be, and where (absolute path or `s3://` URL). */
  source: { kind: 'manifest' | 'folder'; location: string };
}

export interface ResolveInputsOptions {
  /**
   * Where a manifest's keys live. By default they are relative to the manifest's own folder
   * (or S3 prefix). Not used for folder inputs.
   */
  storage?: StorageRef;
  /** Connection settings for `s3://` locations. */
  s3?: S3LocationOptions;
}

/**
 * Resolves a manifest file or a folder (a local path, or `s3://bucket/key` / `s3://bucket/prefix/`).
 * A folder gives every image file under it (by extension, recursively, hidden entries skipped),
 * sorted. Throws `UserError` naming the location when it is missing, is an image file or an
 * empty manifest, or is a folder without images; `SpecError` for a manifest with bad lines.
 */
export async function resolveInputs(
  location: string,
  options: ResolveInputsOptions = {},
): Promise<ResolvedInputs> {
  const parsed = parseLocation(location, options.s3);
  if (parsed.ref.type === 's3') return resolveS3Inputs(parsed.ref, parsed.key, location, options);
  return resolveLocalInputs(path.join(parsed.ref.root, parsed.key), location, options);
}

/** What a job says of its inputs: where they are, and the settings to read them with. */
export interface JobInputsSettings {
  inputs: string;
  storage?: StorageRef;
  s3?: S3LocationOptions;
}

/**
 * The inputs of a job (its spec, or one saved in its folder) listed as the job lists them: with
 * its `storage` and its S3 connection settings.
 */
export function resolveJobInputs(job: JobInputsSettings): Promise<ResolvedInputs> {
  return resolveInputs(job.inputs, {
    ...(job.storage ? { storage: job.storage } : {}),
    ...(job.s3 ? { s3: job.s3 } : {}),
  });
}

async function resolveLocalInputs(
  absolute: string,
  given: string,
  options: ResolveInputsOptions,
): Promise<ResolvedInputs> {
  const stat = await fs.stat(absolute).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT' || err.code === 'ENOTDIR') {
      throw new UserError(`input '${given}' does not exist${given === absolute ? '' : ` (${absolute})`}`);
    }
    throw new UserError(`cannot read input '${given}': ${err.message}`, { cause: err });
  });
  if (stat.isDirectory()) {
    const store = new FsBlobStore(absolute);
    const keys = await imageKeysUnder(store, '');
    if (keys.length === 0) throw noImages(absolute);
    return { storage: store.ref, keys, source: { kind: 'folder', location: absolute } };
  }
  if (!stat.isFile()) throw new UserError(`input '${given}' is neither a manifest file nor a folder`);
  if (isImageKey(absolute)) throw imageNotManifest(given);
  const keys = await readManifest(absolute);
  if (keys.length === 0) throw emptyManifest(absolute);
  const storage = options.storage ?? { type: 'fs', root: path.dirname(absolute) };
  return { storage, keys, source: { kind: 'manifest', location: absolute } };
}

async function resolveS3Inputs(
  ref: StorageRef,
  key: string,
  given: string,
  options: ResolveInputsOptions,
): Promise<ResolvedInputs> {
  const store = await openStore(ref);
  try {
    return await resolveInputsInStore(store, key, options.storage);
  } catch (err) {
    if (err instanceof StorageError && err.code !== 'Unreachable' && err.code !== 'Other') {
      throw new UserError(`input '${given}': ${err.message}`, { cause: err });
    }
    throw err;
  } finally {
    await store.close();
  }
}

/**
 * Resolves `key` inside `store`: the object `key` read as a manifest (its keys relative to the
 * manifest's prefix, unless `manifestStorage` says where they live), or else every image under
 * the prefix `key` (`''` or ending in `/` always means a prefix).
 */
export async function resolveInputsInStore(
  store: BlobStore,
  key: string,
  manifestStorage?: StorageRef,
): Promise<ResolvedInputs> {
  const where = describe(store, key);
  const isPrefix = key === '' || key.endsWith('/');
  if (!isPrefix && (await store.exists(key))) {
    if (isImageKey(key)) throw imageNotManifest(where);
    const text = (await store.get(key, { maxBytes: MANIFEST_MAX_BYTES })).toString('utf8');
    const listed = parseManifest(text, where);
    if (listed.length === 0) throw emptyManifest(where);
    const folder = key.slice(0, key.lastIndexOf('/') + 1);
    const keys = manifestStorage === undefined ? listed.map((k) => `${folder}${k}`) : listed;
    return { storage: manifestStorage ?? store.ref, keys, source: { kind: 'manifest', location: where } };
  }
  const prefix = isPrefix ? key : `${key}/`;
  const keys = await imageKeysUnder(store, prefix);
  if (keys.length > 0) return { storage: store.ref, keys, source: { kind: 'folder', location: where } };
  for await (const _ of store.list(prefix)) throw noImages(where);
  throw new UserError(`input '${where}' does not exist`);
}

async function imageKeysUnder(store: BlobStore, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const key of store.list(prefix)) {
    const rest = key.slice(prefix.length);
    if (isImageKey(key) && !rest.split('/').some((segment) => segment.startsWith('.'))) keys.push(key);
  }
  return keys;
}

function describe(store: BlobStore, key: string): string {
  const ref = store.ref;
  if (ref.type === 's3') {
    const prefix = ref.prefix ? `${ref.prefix.replace(/\/+$/, '')}/` : '';
    return `s3://${ref.bucket}/${prefix}${key}`;
  }
  return path.join(ref.root, key);
}

function noImages(where: string): UserError {
  return new UserError(
    `folder '${where}' holds no image files (looked for .${IMAGE_EXTENSIONS.join(', .')}, in any case)`,
  );
}

/** An image named where a manifest or a folder was expected (one image is not a job's inputs). */
function imageNotManifest(where: string): UserError {
  return new UserError(
    `input '${where}' is an image, not a manifest: the inputs are a folder of images or a manifest (a text file, one key per line); give the image's folder, or a manifest that lists it`,
  );
}

function emptyManifest(where: string): UserError {
  return new UserError(`manifest '${where}' lists no keys`);
}
