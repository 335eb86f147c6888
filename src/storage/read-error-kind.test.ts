import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { StorageError } from '../errors.js';
import { FsBlobStore } from './fs/fs-store.js';
import { readErrorKind } from './read-error-kind.js';
import { toStorageError, type S3CallContext } from './s3/s3-errors.js';

const ctx: S3CallContext = {
  operation: 'GetObject',
  bucket: 'data',
  key: 'images/1.jpg',
  callerKey: 'images/1.jpg',
  endpoint: 'http://127.0.0.1:9000',
};

/** An error as the S3 client throws it for a service answer. */
function serviceError(name: string, status: number): Error {
  return Object.assign(new Error(name), {
    name,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status, requestId: 'req-1', attempts: 5 },
  });
}

function systemError(code: string): Error {
  return Object.assign(new Error(`${code}: failed`), { code });
}

/** The kind of an S3 client's error, once the store has mapped it (as the function sees it). */
const s3Kind = (err: unknown) => readErrorKind(toStorageError(err, ctx));

describe('readErrorKind', () => {
  it('calls throttling and server faults of S3 passing, by name or by HTTP status', () => {
    for (const name of ['SlowDown', 'ServiceUnavailable', 'InternalError', 'RequestTimeout'])
      expect(s3Kind(serviceError(name, 503)), name).toBe('passing');
    for (const status of [429, 500, 502, 503, 504])
      expect(s3Kind(serviceError('Unknown', status)), String(status)).toBe('passing');
    expect(s3Kind(Object.assign(new Error('timed out'), { name: 'TimeoutError' }))).toBe('passing');
  });

  it('calls broken connections and a process out of file handles passing', () => {
    for (const code of ['ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN'])
      expect(s3Kind(systemError(code)), code).toBe('passing');
    const wrapped = new Error('socket hang up', { cause: systemError('ECONNRESET') });
    expect(s3Kind(wrapped)).toBe('passing');
    expect(readErrorKind(systemError('EMFILE'))).toBe('passing');
    expect(
      readErrorKind(new StorageError('cannot read', 'Other', 'k', { cause: systemError('ENFILE') })),
    ).toBe('passing');
  });

  it('calls a missing object, a refusal and an object too large permanent, whatever their cause says', () => {
    expect(s3Kind(serviceError('NoSuchKey', 404))).toBe('permanent');
    expect(s3Kind(serviceError('AccessDenied', 403))).toBe('permanent');
    expect(s3Kind(serviceError('NoSuchBucket', 404))).toBe('permanent');
    const tooLarge = new StorageError('over the limit', 'Invalid', 'k', {
      cause: serviceError('SlowDown', 503),
    });
    expect(readErrorKind(tooLarge)).toBe('permanent');
  });

  it('calls an endpoint that refuses connections, other client errors and anything unknown permanent', () => {
    expect(s3Kind(systemError('ECONNREFUSED'))).toBe('permanent');
    expect(s3Kind(serviceError('InvalidRange', 416))).toBe('permanent');
    expect(readErrorKind(new Error('something else'))).toBe('permanent');
    expect(readErrorKind('a string')).toBe('permanent');
    expect(readErrorKind(null)).toBe('permanent');
  });

  it('calls a key missing from a folder store permanent (the store as the function uses it)', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'obifaas-read-kind-'));
    try {
      const store = new FsBlobStore(root);
      const err = await store.get('nothing.jpg').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StorageError);
      expect(readErrorKind(err)).toBe('permanent');
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
