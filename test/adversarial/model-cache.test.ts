/**
 * The remote-model cache against a hostile machine and network (s3rver behind a proxy that can
 * corrupt what it forwards): the cache folder is private (0700), a folder that is a link or
 * another user's is refused, a cached copy whose bytes were changed is fetched again, and a
 * download changed on the way is refused by its ETag. The function never runs bytes that are
 * not the object's.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { StorageError } from '../../src/errors.js';
import { fetchToLocalFile, forgetFetchedFiles } from '../../src/storage/fetch.js';
import { openS3Store } from '../../src/storage/s3/s3-store.js';
import { startS3rver, useS3rverCredentials, type S3rverHandle } from '../support/s3rver.js';

const BYTES = Buffer.from(Array.from({ length: 200_000 }, (_, i) => (i * 31) % 251));
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

let dir: string;
let s3: S3rverHandle;
let restore: () => void;
/** A proxy to s3rver that flips one byte of every object body while `corrupt` is set. */
let proxy: { endpoint: string; corrupt: boolean; close(): Promise<void> };

async function startCorruptingProxy(target: string): Promise<typeof proxy> {
  const upstream = new URL(target);
  const state = { corrupt: false };
  const server = http.createServer((req, res) => {
    const forward = http.request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (up) => {
        const chunks: Buffer[] = [];
        up.on('data', (c: Buffer) => chunks.push(c));
        up.on('end', () => {
          const body = Buffer.concat(chunks);
          if (state.corrupt && req.method === 'GET' && body.length > 1000)
            body[500] = (body[500] ?? 0) ^ 0xff;
          res.writeHead(up.statusCode ?? 502, up.headers);
          res.end(body);
        });
      },
    );
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get corrupt() {
      return state.corrupt;
    },
    set corrupt(value: boolean) {
      state.corrupt = value;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

beforeAll(async () => {
  restore = useS3rverCredentials();
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'obifaas-adv-cache-'));
  s3 = await startS3rver({ buckets: ['models'] });
  const store = await openS3Store({
    type: 's3',
    bucket: 'models',
    endpoint: s3.endpoint,
    forcePathStyle: true,
  });
  await store.put('m.onnx', BYTES);
  await store.close();
  proxy = await startCorruptingProxy(s3.endpoint);
});

afterAll(async () => {
  await proxy?.close();
  await s3?.stop();
  restore?.();
  await fs.rm(dir, { recursive: true, force: true });
});

beforeEach(() => forgetFetchedFiles());

const fetchVia = (endpoint: string, cache: string) =>
  fetchToLocalFile('s3://models/m.onnx', cache, { s3: { endpoint, forcePathStyle: true } });

async function refusal(promise: Promise<unknown>): Promise<StorageError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(StorageError);
  return err as StorageError;
}

describe('the remote-model cache', () => {
  it('is created private (0700), and a folder of ours open to others is made private', async () => {
    const cache = path.join(dir, 'fresh', 'cache');
    const file = await fetchVia(s3.endpoint, cache);
    expect(sha(await fs.readFile(file))).toBe(sha(BYTES));
    expect((await fs.stat(cache)).mode & 0o777).toBe(0o700);
    const open = path.join(dir, 'open');
    await fs.mkdir(open, { mode: 0o777 });
    await fs.chmod(open, 0o777);
    forgetFetchedFiles();
    await fetchVia(s3.endpoint, open);
    expect((await fs.stat(open)).mode & 0o777).toBe(0o700);
  });

  it('refuses a cache folder that is a link, or belongs to another user', async () => {
    const real = path.join(dir, 'real-cache');
    await fs.mkdir(real, { mode: 0o700 });
    const link = path.join(dir, 'link-cache');
    await fs.symlink(real, link);
    expect((await refusal(fetchVia(s3.endpoint, link))).message).toMatch(/is a symbolic link/);
    if (process.getuid?.() === 0) {
      const theirs = path.join(dir, 'theirs');
      await fs.mkdir(theirs, { mode: 0o700 });
      await fs.chown(theirs, 12_345, 12_345);
      expect((await refusal(fetchVia(s3.endpoint, theirs))).message).toMatch(/belongs to another user/);
    }
    expect(await fs.readdir(real)).toEqual([]);
  });

  it('fetches again a cached copy whose bytes were changed (same size, same record)', async () => {
    const cache = path.join(dir, 'tampered');
    const file = await fetchVia(s3.endpoint, cache);
    const evil = Buffer.from(BYTES);
    evil[1234] = (evil[1234] ?? 0) ^ 0x01;
    await fs.writeFile(file, evil);
    forgetFetchedFiles(); // as a new process would start
    const again = await fetchVia(s3.endpoint, cache);
    expect(again).toBe(file);
    expect(sha(await fs.readFile(again))).toBe(sha(BYTES));
  });

  it('refuses a download changed on the way (its MD5 is not its ETag), keeping nothing', async () => {
    const cache = path.join(dir, 'in-transit');
    proxy.corrupt = true;
    try {
      const err = await refusal(fetchVia(proxy.endpoint, cache));
      expect(err.message).toMatch(/does not match its ETag/);
    } finally {
      proxy.corrupt = false;
    }
    expect((await fs.readdir(cache)).filter((f) => !f.startsWith('.'))).toEqual([]);
    forgetFetchedFiles();
    const file = await fetchVia(proxy.endpoint, cache);
    expect(sha(await fs.readFile(file))).toBe(sha(BYTES));
  });
});
