/**
 * Brings a file named by a location to the local disk: `s3://bucket/key` objects are downloaded
 * once into a cache folder (once per process, and reused across processes while the object's
 * size and ETag are unchanged and the cached bytes still have the hash recorded when they were
 * downloaded); local paths come back as they are. Workers use it for models kept in storage
 * (`--model s3://...`).
 *
 * The cache folder is private: created with mode 0700, and refused when it is a link, another
 * user's, or open to others (a folder others can write could hand a worker their model). A
 * download whose ETag is the MD5 of its bytes (a single-part upload) is checked against it.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import * as z from 'zod';
import { fileURLToPath } from 'node:url';
import { StorageError, UserError } from '../errors.js';
import type { S3ObjectInfo, S3StorageRef } from './s3/s3-store.js';
import { isS3Location, parseLocation, type S3LocationOptions } from './uri.js';
import { makeFolder } from '../util/make-folder.js';

export interface FetchOptions {
  /** Connection settings for `s3://` locations (endpoint, region, path style). */
  s3?: S3LocationOptions;
  signal?: AbortSignal;
}

/** What the cache keeps next to a downloaded file, to tell whether it is still current. */
type CacheRecord = z.output<typeof cacheRecordSchema>;

const inFlight = new Map<string, Promise<string>>();

/**
 * The local path of `uri`. For `s3://bucket/key`, downloads the object into `cacheDir` (a
 * temporary file, then a rename) unless this process already did, or the cached copy has the
 * object's size and ETag; concurrent calls for one object share one download. A `file://` URL
 * becomes its path; any other string is returned unchanged.
 *
 * Throws `UserError` for a location that names no object, `StorageError` when the object cannot
 * be read (`NotFound`, `NoSuchBucket`, `AccessDenied`, `Unreachable`).
 */
export async function fetchToLocalFile(
  uri: string,
  cacheDir: string,
  options: FetchOptions = {},
): Promise<string> {
  if (uri.startsWith('file://')) return fileURLToPath(uri);
  if (!isS3Location(uri)) return uri;
  const location = parseLocation(uri, options.s3 ?? {});
  if (location.ref.type !== 's3') return uri;
  const { ref, key } = location;
  if (key === '' || key.endsWith('/')) throw new UserError(`'${uri}' names a folder, not a file`);

  const identity = `${ref.endpoint ?? 'aws'}|${ref.bucket}|${key}`;
  const file = path.join(path.resolve(cacheDir), `${hash(identity)}-${safeName(path.posix.basename(key))}`);
  const memoKey = `${identity}|${file}`;
  const running = inFlight.get(memoKey);
  if (running) return running;
  const job = fetchS3(uri, ref, key, file, options.signal);
  inFlight.set(memoKey, job);
  job.catch(() => inFlight.delete(memoKey));
  return job;
}

/** Forgets which objects this process fetched (tests; a changed object in a long-lived process). */
export function forgetFetchedFiles(): void {
  inFlight.clear();
}

async function fetchS3(
  uri: string,
  ref: S3StorageRef,
  key: string,
  file: string,
  signal: AbortSignal | undefined,
): Promise<string> {
  const { openS3Store } = await import('./s3/s3-store.js');
  const store = await openS3Store(ref);
  try {
    await ensurePrivateFolder(path.dirname(file));
    const cached = await readRecord(file);
    if (cached !== undefined) {
      const current = await store.head(key);
      if (
        current !== undefined &&
        sameObject(cached, current) &&
        (await sizeOf(file)) === current.sizeBytes &&
        (await hashesOf(file)).sha256 === cached.sha256
      ) {
        return file;
      }
    }
    const temp = `${file}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
    try {
      const info = await store.download(key, temp, signal ? { signal } : {});
      const written = await sizeOf(temp);
      if (written !== info.sizeBytes) {
        throw new Error(`download of ${uri} is incomplete: ${written} of ${info.sizeBytes} bytes`);
      }
      const hashes = await hashesOf(temp);
      if (/^[0-9a-f]{32}$/.test(info.etag) && hashes.md5 !== info.etag) {
        throw new StorageError(
          `download of ${uri} does not match its ETag (MD5 ${hashes.md5}, ETag ${info.etag}): the bytes were changed on the way`,
          'Other',
          key,
        );
      }
      await fs.rename(temp, file);
      await writeRecord(file, { uri, sizeBytes: info.sizeBytes, etag: info.etag, sha256: hashes.sha256 });
    } finally {
      await fs.rm(temp, { force: true });
    }
    return file;
  } finally {
    await store.close();
  }
}

/**
 * Creates `dir` (mode 0700) if needed and checks that it is this user's private folder; a
 * folder of ours that others may enter is made private. Throws `StorageError` otherwise.
 */
export async function ensurePrivateFolder(dir: string): Promise<void> {
  await makeFolder(dir, { mode: 0o700 });
  const info = await fs.lstat(dir);
  const refuse = (why: string): never => {
    throw new StorageError(
      `model cache folder ${dir} ${why}: use a private folder (OBIFAAS_MODEL_CACHE)`,
      'AccessDenied',
    );
  };
  if (!info.isDirectory()) refuse(info.isSymbolicLink() ? 'is a symbolic link' : 'is not a folder');
  const uid = process.getuid?.();
  if (uid !== undefined && info.uid !== uid) refuse(`belongs to another user (uid ${info.uid})`);
  if ((info.mode & 0o077) !== 0) await fs.chmod(dir, 0o700);
}

/** SHA-256 and MD5 of a file's bytes (hex). */
async function hashesOf(file: string): Promise<{ sha256: string; md5: string }> {
  const sha256 = createHash('sha256');
  const md5 = createHash('md5');
  for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
    sha256.update(chunk);
    md5.update(chunk);
  }
  return { sha256: sha256.digest('hex'), md5: md5.digest('hex') };
}

function sameObject(record: CacheRecord, info: S3ObjectInfo): boolean {
  return record.sizeBytes === info.sizeBytes && record.etag === info.etag && info.etag !== '';
}

/** What the cache keeps beside a downloaded file (written by us; anything else is not trusted). */
const cacheRecordSchema = z.strictObject({
  uri: z.string(),
  sizeBytes: z.number().int().min(0),
  etag: z.string(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});

async function readRecord(file: string): Promise<CacheRecord | undefined> {
  try {
    const parsed = cacheRecordSchema.safeParse(JSON.parse(await fs.readFile(`${file}.meta.json`, 'utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

async function writeRecord(file: string, record: CacheRecord): Promise<void> {
  const target = `${file}.meta.json`;
  const temp = `${target}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  await fs.writeFile(temp, `${JSON.stringify(record)}\n`);
  await fs.rename(temp, target);
}

async function sizeOf(file: string): Promise<number | undefined> {
  return fs.stat(file).then(
    (s) => s.size,
    () => undefined,
  );
}

function hash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

/** A file name made of safe characters, so an object key never becomes a path. */
function safeName(name: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_');
  return cleaned === '' ? 'object' : cleaned.slice(0, 100);
}
