/**
 * fetchToLocalFile against s3rver: one download per process, reuse across processes while the
 * object's size and ETag hold, a fresh download when the object changes, clear errors.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { StorageError, UserError } from '../../src/errors.js';
import { fetchToLocalFile, forgetFetchedFiles } from '../../src/storage/fetch.js';
import { openS3Store, type S3BlobStore } from '../../src/storage/s3/s3-store.js';
import { startS3FaultProxy, type S3FaultProxy } from '../support/s3-fault-proxy.js';
import { startS3rver, useS3rverCredentials, type S3rverHandle } from '../support/s3rver.js';

let server: S3rverHandle;
let proxy: S3FaultProxy;
let store: S3BlobStore;
let restoreCredentials: () => void;
let cacheDir: string;

beforeAll(async () => {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  restoreCredentials = useS3rverCredentials();
  server = await startS3rver({ buckets: ['models'] });
  proxy = await startS3FaultProxy(server.endpoint);
  store = await openS3Store({ type: 's3', bucket: 'models', endpoint: server.endpoint });
});

afterAll(async () => {
  await store?.close();
  await proxy?.close();
  await server?.stop();
  restoreCredentials?.();
});

beforeEach(async () => {
  forgetFetchedFiles();
  cacheDir = await fs.mkdtemp(path.join(os.tmpdir(), 'obifaas-fetch-'));
  return () => fs.rm(cacheDir, { recursive: true, force: true });
});

const viaProxy = () => ({ s3: { endpoint: proxy.endpoint } });

function callsSince(start: number): string[] {
  return proxy.log.slice(start).map((line) => line.split(' ')[0] as string);
}

describe('fetchToLocalFile', () => {
  it('downloads an S3 object once per process and returns the same path after', async () => {
    const body = randomBytes(300_000);
    await store.put('nets/tiny.onnx', body);
    const start = proxy.log.length;
    const file = await fetchToLocalFile('s3://models/nets/tiny.onnx', cacheDir, viaProxy());
    expect(path.dirname(file)).toBe(path.resolve(cacheDir));
    expect(path.basename(file)).toMatch(/-tiny\.onnx$/);
    expect((await fs.readFile(file)).equals(body)).toBe(true);
    expect(await fetchToLocalFile('s3://models/nets/tiny.onnx', cacheDir, viaProxy())).toBe(file);
    expect(callsSince(start)).toEqual(['GET']);
    // Only the file and its cache record remain: no temporary files.
    expect((await fs.readdir(cacheDir)).sort()).toEqual([
      path.basename(file),
      `${path.basename(file)}.meta.json`,
    ]);
  });

  it('shares one download between concurrent callers', async () => {
    await store.put('nets/shared.onnx', randomBytes(200_000));
    const start = proxy.log.length;
    const paths = await Promise.all(
      Array.from({ length: 5 }, () => fetchToLocalFile('s3://models/nets/shared.onnx', cacheDir, viaProxy())),
    );
    expect(new Set(paths).size).toBe(1);
    expect(callsSince(start)).toEqual(['GET']);
  });

  it('reuses a cached copy from another process when size and ETag match, and re-downloads a changed object', async () => {
    await store.put('nets/model.onnx', 'version one');
    const file = await fetchToLocalFile('s3://models/nets/model.onnx', cacheDir, viaProxy());

    forgetFetchedFiles(); // as a new process would start
    let start = proxy.log.length;
    expect(await fetchToLocalFile('s3://models/nets/model.onnx', cacheDir, viaProxy())).toBe(file);
    expect(callsSince(start)).toEqual(['HEAD']);

    await store.put('nets/model.onnx', 'version two, longer');
    forgetFetchedFiles();
    start = proxy.log.length;
    expect(await fetchToLocalFile('s3://models/nets/model.onnx', cacheDir, viaProxy())).toBe(file);
    expect(callsSince(start)).toEqual(['HEAD', 'GET']);
    expect(await fs.readFile(file, 'utf8')).toBe('version two, longer');
  });

  it('re-downloads when the cached file was damaged', async () => {
    await store.put('nets/damaged.onnx', 'the real bytes');
    const file = await fetchToLocalFile('s3://models/nets/damaged.onnx', cacheDir, viaProxy());
    await fs.writeFile(file, 'trunc');
    forgetFetchedFiles();
    await fetchToLocalFile('s3://models/nets/damaged.onnx', cacheDir, viaProxy());
    expect(await fs.readFile(file, 'utf8')).toBe('the real bytes');
  });

  it('fails a missing object with StorageError NotFound and leaves nothing behind', async () => {
    const err = await fetchToLocalFile('s3://models/nets/none.onnx', cacheDir, viaProxy()).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(StorageError);
    expect((err as StorageError).code).toBe('NotFound');
    expect((err as StorageError).message).toContain('nets/none.onnx');
    expect(await fs.readdir(cacheDir)).toEqual([]);
  });

  it('fails a missing bucket with StorageError NoSuchBucket', async () => {
    const err = await fetchToLocalFile('s3://no-bucket/m.onnx', cacheDir, viaProxy()).catch(
      (e: unknown) => e,
    );
    expect((err as StorageError).code).toBe('NoSuchBucket');
  });

  it('refuses a location without a bucket or naming a folder', async () => {
    await expect(fetchToLocalFile('s3:///m.onnx', cacheDir)).rejects.toBeInstanceOf(UserError);
    await expect(fetchToLocalFile('s3://models/nets/', cacheDir)).rejects.toThrow(/names a folder/);
  });

  it('returns local paths unchanged and turns file URLs into paths', async () => {
    expect(await fetchToLocalFile('/opt/models/m.onnx', cacheDir)).toBe('/opt/models/m.onnx');
    expect(await fetchToLocalFile('models/m.onnx', cacheDir)).toBe('models/m.onnx');
    expect(await fetchToLocalFile(pathToFileURL('/opt/m.onnx').href, cacheDir)).toBe('/opt/m.onnx');
    expect(await fs.readdir(cacheDir)).toEqual([]);
  });
});
