/**
 * `BlobStore` over Amazon S3 or any S3-compatible endpoint (MinIO, Ceph, s3rver, ...), on the
 * official SDK v3. Keys are relative to `ref.prefix`. Credentials come only from the SDK's
 * default chain (environment, profile, SSO, container or instance role); they never appear in
 * the `StorageRef`, in messages or in logs.
 *
 * Retries: the SDK's `standard` retry strategy is on, with `maxAttempts` (default 5) attempts
 * per call and exponential backoff with jitter for throttling (`SlowDown`, 429, 503), other 5xx
 * and transient network errors.
 */
import { createWriteStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  GetObjectCommand,
  type GetObjectCommandOutput,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { StorageError } from '../../errors.js';
import type { BlobStore } from '../blob-store.js';
import { assertValidKey, assertValidPrefix } from '../keys.js';
import {
  createS3Client,
  regionFromSdkChain,
  resolveS3StoreOptions,
  S3_DEFAULTS,
  type ResolvedS3StoreOptions,
  type S3StorageRef,
  type S3StoreOptions,
} from './s3-client.js';
import { s3Failure, toStorageError } from './s3-errors.js';

export { S3_DEFAULTS, type S3StorageRef, type S3StoreOptions } from './s3-client.js';

/** Metadata of one object. */
export interface S3ObjectInfo {
  sizeBytes: number;
  /** The ETag without quotes. */
  etag: string;
}

const CONTENT_TYPES: Record<string, string> = {
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  txt: 'text/plain; charset=utf-8',
  json: 'application/json',
  jsonl: 'application/x-ndjson',
  csv: 'text/csv',
};

export class S3BlobStore implements BlobStore {
  readonly ref: S3StorageRef;
  private readonly client: S3Client;
  private readonly options: ResolvedS3StoreOptions;
  private readonly keyPrefix: string;
  private readonly endpointForMessages: string;
  private bucketKnownToExist = false;

  /** Prefer `openS3Store`, which also resolves the region from the SDK's chain. */
  constructor(ref: S3StorageRef, region: string, options: S3StoreOptions = {}) {
    const prefix = normalisePrefix(ref.prefix);
    const { prefix: _given, ...rest } = ref;
    this.ref = { ...rest, region, ...(prefix === '' ? {} : { prefix }) };
    this.keyPrefix = prefix === '' ? '' : `${prefix}/`;
    const { credentials, ...tuning } = options;
    this.options = resolveS3StoreOptions(tuning);
    this.endpointForMessages = ref.endpoint ?? `https://s3.${region}.amazonaws.com`;
    this.client = createS3Client(ref, region, this.options, credentials);
  }

  async get(key: string, options: { signal?: AbortSignal; maxBytes?: number } = {}): Promise<Buffer> {
    return this.getObject(key, options.signal, async (response, body) => {
      if (body === undefined) return Buffer.alloc(0);
      const { maxBytes } = options;
      if (
        maxBytes !== undefined &&
        response.ContentLength !== undefined &&
        response.ContentLength > maxBytes
      ) {
        body.destroy();
        throw tooLarge(key, response.ContentLength, maxBytes);
      }
      return readAll(body, key, maxBytes);
    });
  }

  async put(key: string, body: Buffer | Uint8Array | string): Promise<void> {
    const fullKey = this.fullKey(key);
    const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    const params = { Bucket: this.ref.bucket, Key: fullKey, Body: bytes, ContentType: contentTypeOf(key) };
    const multipart = bytes.byteLength >= this.options.multipartThresholdBytes;
    const ctx = this.context(multipart ? 'multipart upload' : 'PutObject', key, fullKey);
    try {
      if (!multipart) {
        await this.client.send(new PutObjectCommand(params));
        return;
      }
      const upload = new Upload({
        client: this.client,
        params,
        partSize: this.options.partSizeBytes,
        queueSize: this.options.partConcurrency,
        leavePartsOnError: false,
      });
      await upload.done();
    } catch (err) {
      throw s3Failure(err, ctx);
    }
  }

  async exists(key: string): Promise<boolean> {
    const info = await this.head(key);
    return info !== undefined;
  }

  /** Size and ETag of an object, or `undefined` when it does not exist. */
  async head(key: string): Promise<S3ObjectInfo | undefined> {
    const fullKey = this.fullKey(key);
    const ctx = this.context('HeadObject', key, fullKey);
    try {
      const response = await this.client.send(
        new HeadObjectCommand({ Bucket: this.ref.bucket, Key: fullKey }),
      );
      this.bucketKnownToExist = true;
      return { sizeBytes: response.ContentLength ?? 0, etag: unquote(response.ETag) };
    } catch (err) {
      const mapped = toStorageError(err, ctx);
      if (mapped.code !== 'NotFound') throw mapped;
      // HEAD responses have no body, so a missing bucket also looks like a plain 404.
      await this.assertBucketExists();
      return undefined;
    }
  }

  async *list(prefix = ''): AsyncIterable<string> {
    assertValidPrefix(prefix);
    const fullPrefix = this.keyPrefix + prefix;
    const ctx = this.context('ListObjectsV2', undefined, undefined);
    let continuationToken: string | undefined;
    do {
      let page;
      try {
        page = await this.client.send(
          new ListObjectsV2Command({
            Bucket: this.ref.bucket,
            Prefix: fullPrefix === '' ? undefined : fullPrefix,
            ContinuationToken: continuationToken,
          }),
        );
      } catch (err) {
        throw s3Failure(err, ctx);
      }
      for (const object of page.Contents ?? []) {
        // Zero-byte "folder" markers (keys ending in '/') that consoles create are not objects.
        if (object.Key === undefined || !object.Key.startsWith(this.keyPrefix) || object.Key.endsWith('/'))
          continue;
        yield object.Key.slice(this.keyPrefix.length);
      }
      continuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (continuationToken !== undefined);
  }

  /** Streams an object into a local file (which the caller names and later renames). */
  async download(
    key: string,
    filePath: string,
    options: { signal?: AbortSignal } = {},
  ): Promise<S3ObjectInfo> {
    return this.getObject(key, options.signal, async (response, body) => {
      const out = createWriteStream(filePath, { flags: 'wx' });
      if (body === undefined) out.end();
      else await pipeline(body, out);
      return { sizeBytes: response.ContentLength ?? out.bytesWritten, etag: unquote(response.ETag) };
    });
  }

  async close(): Promise<void> {
    this.client.destroy();
  }

  /** `s3://bucket/prefix/key` of a key of this store. */
  uriOf(key: string): string {
    return `s3://${this.ref.bucket}/${this.fullKey(key)}`;
  }

  private fullKey(key: string): string {
    assertValidKey(key);
    return this.keyPrefix + key;
  }

  /**
   * GetObject of a key, its response and body handed to `consume`; a failure of either, as a
   * StorageError about that key.
   */
  private async getObject<T>(
    key: string,
    signal: AbortSignal | undefined,
    consume: (response: GetObjectCommandOutput, body: Readable | undefined) => Promise<T>,
  ): Promise<T> {
    const fullKey = this.fullKey(key);
    const ctx = this.context('GetObject', key, fullKey);
    try {
      const response = await this.client.send(
        new GetObjectCommand({ Bucket: this.ref.bucket, Key: fullKey }),
        { abortSignal: signal },
      );
      return await consume(response, response.Body as Readable | undefined);
    } catch (err) {
      throw s3Failure(err, ctx);
    }
  }

  private context(operation: string, callerKey: string | undefined, fullKey: string | undefined) {
    return {
      operation,
      bucket: this.ref.bucket,
      key: fullKey,
      callerKey,
      endpoint: this.endpointForMessages,
    };
  }

  private async assertBucketExists(): Promise<void> {
    if (this.bucketKnownToExist) return;
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.ref.bucket }));
      this.bucketKnownToExist = true;
    } catch (err) {
      const mapped = toStorageError(err, this.context('HeadBucket', undefined, undefined));
      const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      if (status === 404 || mapped.code === 'NoSuchBucket') {
        throw new StorageError(
          `bucket '${this.ref.bucket}' does not exist (at ${this.endpointForMessages})`,
          'NoSuchBucket',
          undefined,
          { cause: err },
        );
      }
      throw mapped;
    }
  }
}

/**
 * Opens an S3 store. The region is `ref.region`, else the SDK's chain (`AWS_REGION`, the
 * profile), else `us-east-1`.
 */
export async function openS3Store(ref: S3StorageRef, options: S3StoreOptions = {}): Promise<S3BlobStore> {
  if (!ref.bucket) throw new StorageError('an S3 storage reference needs a bucket', 'Invalid');
  const region = ref.region ?? (await regionFromSdkChain()) ?? S3_DEFAULTS.region;
  return new S3BlobStore(ref, region, options);
}

async function readAll(body: Readable, key: string, maxBytes: number | undefined): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of body) {
    const buf = chunk as Buffer;
    total += buf.byteLength;
    if (maxBytes !== undefined && total > maxBytes) {
      body.destroy();
      throw tooLarge(key, total, maxBytes);
    }
    chunks.push(buf);
  }
  return Buffer.concat(chunks, total);
}

function tooLarge(key: string, sizeBytes: number, maxBytes: number): StorageError {
  return new StorageError(
    `object '${key}' is over the limit of ${maxBytes} bytes (${sizeBytes} bytes or more)`,
    'Invalid',
    key,
  );
}

function normalisePrefix(prefix: string | undefined): string {
  return (prefix ?? '').replace(/^\/+/, '').replace(/\/+$/, '');
}

function unquote(etag: string | undefined): string {
  return (etag ?? '').replace(/^"|"$/g, '');
}

function contentTypeOf(key: string): string {
  const dot = key.lastIndexOf('.');
  const ext = dot < 0 ? '' : key.slice(dot + 1).toLowerCase();
  return CONTENT_TYPES[ext] ?? 'application/octet-stream';
}
