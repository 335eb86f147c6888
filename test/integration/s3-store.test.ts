/**
 * S3BlobStore against a real S3-protocol server (s3rver in a child process on loopback): the
 * shared conformance suite (pagination over more than 1,000 keys included), multipart uploads,
 * the error cases, retries through a fault-injecting proxy, and prefix scoping.
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StorageError } from '../../src/errors.js';
import { describeBlobStoreConformance } from '../../src/storage/conformance.js';
import { openS3Store, type S3BlobStore, type S3StoreOptions } from '../../src/storage/s3/s3-store.js';
import { startS3FaultProxy, type S3FaultProxy } from '../support/s3-fault-proxy.js';
import { startS3rver, useS3rverCredentials, type S3rverHandle } from '../support/s3rver.js';
import { closedPort } from '../support/closed-port.js';

let server: S3rverHandle;
let admin: S3Client;
let restoreCredentials: () => void;
let runs = 0;
const opened: S3BlobStore[] = [];

beforeAll(async () => {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  restoreCredentials = useS3rverCredentials();
  server = await startS3rver({ buckets: ['conformance', 'data'] });
  admin = new S3Client({ endpoint: server.endpoint, forcePathStyle: true, region: 'us-east-1' });
});

afterAll(async () => {
  await Promise.all(opened.map((store) => store.close()));
  admin?.destroy();
  await server?.stop();
  restoreCredentials?.();
});

async function open(
  bucket: string,
  prefix?: string,
  options: S3StoreOptions = {},
  endpoint = server.endpoint,
) {
  const store = await openS3Store(
    { type: 's3', bucket, endpoint, ...(prefix !== undefined ? { prefix } : {}) },
    options,
  );
  opened.push(store);
  return store;
}

async function collect(iterable: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

async function failure(promise: Promise<unknown>): Promise<StorageError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(StorageError);
  return err as StorageError;
}

/** One call of each operation, to run one at a time. */
function everyOperation(store: S3BlobStore): Array<() => Promise<unknown>> {
  return [
    () => store.get('a.jpg'),
    () => store.put('a.jpg', 'x'),
    () => store.exists('a.jpg'),
    () => collect(store.list()),
  ];
}

describeBlobStoreConformance('s3 (a fresh prefix in a shared bucket)', async () => {
  const store = await openS3Store({
    type: 's3',
    bucket: 'conformance',
    prefix: `run-${++runs}/`,
    endpoint: server.endpoint,
  });
  return { store, cleanup: async () => undefined };
});

describeBlobStoreConformance(
  's3 (the root of a fresh bucket)',
  async () => {
    const bucket = `fresh-${++runs}`;
    await admin.send(new CreateBucketCommand({ Bucket: bucket }));
    const store = await openS3Store({ type: 's3', bucket, endpoint: server.endpoint });
    return { store, cleanup: async () => undefined };
  },
  { manyKeys: 40 },
);

describe('S3BlobStore on s3rver', () => {
  it('uploads a body over the threshold as multipart and reads it back byte for byte', async () => {
    const proxy = await startS3FaultProxy(server.endpoint);
    try {
      const store = await open('data', 'multipart', {}, proxy.endpoint);
      const body = randomBytes(17 * 1024 * 1024 + 123);
      const first = proxy.log.length;
      await store.put('model.onnx', body);
      // 17 MiB in 8 MiB parts: create, three parts, complete.
      const calls = proxy.log.slice(first);
      expect(calls.filter((c) => /^POST [^?]*\?(.*&)?uploads(=|&|$)/.test(c))).toHaveLength(1);
      expect(calls.filter((c) => c.startsWith('PUT') && c.includes('partNumber='))).toHaveLength(3);
      expect(calls.filter((c) => c.startsWith('POST') && c.includes('uploadId='))).toHaveLength(1);
      expect((await store.head('model.onnx'))?.sizeBytes).toBe(body.length);
      expect((await store.get('model.onnx')).equals(body)).toBe(true);

      const small = randomBytes(1024 * 1024);
      const before = proxy.log.length;
      await store.put('small.bin', small);
      expect(proxy.log.slice(before)).toEqual([
        expect.stringMatching(/^PUT \/data\/multipart\/small\.bin(\?|$)/),
      ]);
    } finally {
      await proxy.close();
    }
  });

  it('honours a lower multipart threshold and part size', async () => {
    const proxy = await startS3FaultProxy(server.endpoint);
    try {
      const tuning = { multipartThresholdBytes: 6 * 1024 * 1024, partSizeBytes: 5 * 1024 * 1024 };
      const store = await open('data', 'multipart-tuned', tuning, proxy.endpoint);
      const body = randomBytes(11 * 1024 * 1024);
      await store.put('x.bin', body);
      expect(proxy.log.filter((c) => c.includes('partNumber='))).toHaveLength(3);
      expect((await store.get('x.bin')).equals(body)).toBe(true);
    } finally {
      await proxy.close();
    }
  });

  it('names a missing bucket in every operation', async () => {
    const store = await open('no-such-bucket');
    for (const call of everyOperation(store)) {
      const err = await failure(call());
      expect(err.code).toBe('NoSuchBucket');
      expect(err.message).toContain("bucket 'no-such-bucket' does not exist");
    }
  });

  it('names a missing key, relative to the store prefix', async () => {
    const store = await open('data', 'some/prefix');
    const err = await failure(store.get('images/none.jpg'));
    expect(err.code).toBe('NotFound');
    expect(err.key).toBe('images/none.jpg');
    expect(err.message).toContain("'images/none.jpg'");
    expect(err.message).toContain('s3://data/some/prefix/images/none.jpg');
    expect(await store.exists('images/none.jpg')).toBe(false);
  });

  it('reports an unreachable endpoint in one line after retrying', async () => {
    const port = await closedPort();
    const store = await open('data', undefined, { maxAttempts: 3 }, `http://127.0.0.1:${port}`);
    for (const call of everyOperation(store)) {
      const err = await failure(call());
      expect(err.code).toBe('Unreachable');
      expect(err.message).toBe(`cannot reach S3 endpoint http://127.0.0.1:${port}: ECONNREFUSED`);
    }
  });

  it('rejects unknown credentials as AccessDenied without echoing the secret', async () => {
    const secret = 'very-secret-value-123';
    const store = await open('data', undefined, {
      credentials: { accessKeyId: 'NOT-A-KEY', secretAccessKey: secret },
    });
    const getErr = await failure(store.get('a.jpg'));
    expect(getErr.code).toBe('AccessDenied');
    expect(getErr.message).toContain('InvalidAccessKeyId');
    expect(getErr.message).toContain('AWS_ACCESS_KEY_ID');
    const headErr = await failure(store.exists('a.jpg'));
    expect(headErr.code).toBe('AccessDenied');
    for (const err of [getErr, headErr]) {
      expect(err.message).not.toContain(secret);
      expect(err.message.split('\n')).toHaveLength(1);
    }
    expect(JSON.stringify(store.ref)).not.toContain(secret);
    expect(JSON.stringify(store.ref)).not.toContain('NOT-A-KEY');
  });

  it('says so when no credentials are found anywhere in the chain', async () => {
    const names = [
      'AWS_ACCESS_KEY_ID',
      'AWS_SECRET_ACCESS_KEY',
      'AWS_EC2_METADATA_DISABLED',
      'AWS_CONFIG_FILE',
      'AWS_SHARED_CREDENTIALS_FILE',
    ];
    const saved = names.map((n) => process.env[n]);
    delete process.env.AWS_ACCESS_KEY_ID;
    delete process.env.AWS_SECRET_ACCESS_KEY;
    process.env.AWS_EC2_METADATA_DISABLED = 'true';
    process.env.AWS_CONFIG_FILE = path.join(os.tmpdir(), 'obifaas-no-such-aws-config');
    process.env.AWS_SHARED_CREDENTIALS_FILE = path.join(os.tmpdir(), 'obifaas-no-such-aws-credentials');
    try {
      const store = await open('data');
      const err = await failure(store.get('a.jpg'));
      expect(err.code).toBe('AccessDenied');
      expect(err.message).toBe(
        'no AWS credentials found for s3://data/a.jpg: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or run with a role',
      );
    } finally {
      names.forEach((n, i) => {
        const value = saved[i];
        if (value === undefined) delete process.env[n];
        else process.env[n] = value;
      });
    }
  });

  it('scopes keys to the prefix', async () => {
    const root = await open('data', undefined);
    const scoped = await open('data', '/team/a/');
    expect(scoped.ref.prefix).toBe('team/a');
    await scoped.put('img/1.jpg', 'one');
    await root.put('team/b/img/2.jpg', 'two');
    await root.put('team/ab.txt', 'sibling, not under team/a/');
    expect(await collect(scoped.list())).toEqual(['img/1.jpg']);
    expect((await root.get('team/a/img/1.jpg')).toString()).toBe('one');
    expect(await scoped.exists('img/1.jpg')).toBe(true);
    expect(scoped.uriOf('img/1.jpg')).toBe('s3://data/team/a/img/1.jpg');
    expect(await collect(root.list('team/'))).toEqual([
      'team/a/img/1.jpg',
      'team/ab.txt',
      'team/b/img/2.jpg',
    ]);
  });

  it('refuses invalid keys before any request', async () => {
    const store = await open('data');
    for (const key of ['', '/abs.jpg', 'a/../b.jpg', 'a//b.jpg']) {
      expect((await failure(store.get(key))).code).toBe('Invalid');
    }
  });

  it('cancels a get through its AbortSignal', async () => {
    const store = await open('data', 'abort');
    await store.put('a.bin', randomBytes(1024));
    const controller = new AbortController();
    controller.abort();
    const err = await store.get('a.bin', { signal: controller.signal }).catch((e: unknown) => e);
    expect((err as Error).name).toBe('AbortError');
  });
});

describe('S3BlobStore retries and service errors (through a fault-injecting proxy)', () => {
  let proxy: S3FaultProxy;

  beforeAll(async () => {
    proxy = await startS3FaultProxy(server.endpoint);
  });
  afterAll(async () => {
    await proxy?.close();
  });

  it('retries throttling (503 SlowDown) with backoff and then succeeds', async () => {
    const store = await open('data', 'retry', { maxAttempts: 4 }, proxy.endpoint);
    await store.put('a.txt', 'after throttling');
    const before = proxy.requests;
    proxy.failNext(2, { status: 503, code: 'SlowDown', message: 'Please reduce your request rate.' });
    expect((await store.get('a.txt')).toString()).toBe('after throttling');
    expect(proxy.requests - before).toBe(3);
  });

  it('retries 500s up to maxAttempts, then fails with the service code', async () => {
    const store = await open('data', 'retry', { maxAttempts: 3 }, proxy.endpoint);
    proxy.failNext(Infinity, {
      status: 500,
      code: 'InternalError',
      message: 'We encountered an internal error.',
    });
    const before = proxy.requests;
    const err = await failure(store.get('a.txt'));
    proxy.clear();
    expect(proxy.requests - before).toBe(3);
    expect(err.code).toBe('Other');
    expect(err.message).toContain('HTTP 500');
    expect(err.message).toContain('InternalError');
  });

  it('gives up a request the service never answers after the idle timeout, retrying it first', async () => {
    const store = await open('data', 'retry', { maxAttempts: 2, requestTimeoutMs: 300 }, proxy.endpoint);
    await store.put('held.txt', 'never read');
    proxy.intercept((r) => (r.method === 'GET' && r.url.includes('held.txt') ? 'hold' : undefined));
    const before = proxy.requests;
    const err = await failure(store.get('held.txt'));
    proxy.clear();
    expect(proxy.requests - before).toBe(2);
    expect(err.code).toBe('Unreachable');
    expect(err.message).toBe(`cannot reach S3 endpoint ${proxy.endpoint}: timed out`);
  });

  it('maps a 403 AccessDenied to AccessDenied without retrying', async () => {
    const store = await open('data', 'retry', { maxAttempts: 3 }, proxy.endpoint);
    proxy.failNext(1, { status: 403, code: 'AccessDenied', message: 'Access Denied' });
    const before = proxy.requests;
    const err = await failure(store.get('a.txt'));
    expect(proxy.requests - before).toBe(1);
    expect(err.code).toBe('AccessDenied');
    expect(err.message).toBe(
      'access denied to s3://data/retry/a.txt (GetObject): check the credentials / bucket policy',
    );
  });
});
