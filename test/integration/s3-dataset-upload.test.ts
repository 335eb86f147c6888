/**
 * `obifaas dataset upload` against s3rver: a generated dataset goes up with its manifest, reads
 * back as a job input, and bad input fails before anything is written.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StorageError, UserError } from '../../src/errors.js';
import { generateDataset } from '../../src/dataset/generate.js';
import { resolveInputs } from '../../src/dataset/inputs.js';
import { parseManifest } from '../../src/dataset/manifest.js';
import { uploadDataset } from '../../src/dataset/upload.js';
import type { BlobStore } from '../../src/storage/blob-store.js';
import type { StorageRef } from '../../src/core/storage-ref.js';
import { openStore } from '../../src/storage/open-store.js';
import { openS3Store, type S3BlobStore } from '../../src/storage/s3/s3-store.js';
import { captureCli } from '../support/capture-cli.js';
import { startS3rver, useS3rverCredentials, type S3rverHandle } from '../support/s3rver.js';

const COUNT = 12;

let server: S3rverHandle;
let restoreCredentials: () => void;
let workDir: string;
let datasetDir: string;
let keys: string[];
let bucket: S3BlobStore;

beforeAll(async () => {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  restoreCredentials = useS3rverCredentials();
  server = await startS3rver({ buckets: ['data'] });
  bucket = await openS3Store({ type: 's3', bucket: 'data', endpoint: server.endpoint });
  workDir = await fs.mkdtemp(path.join(os.tmpdir(), 'obifaas-upload-'));
  datasetDir = path.join(workDir, 'small');
  keys = (await generateDataset({ count: COUNT, outDir: datasetDir, seed: 7 })).keys;
});

afterAll(async () => {
  await bucket?.close();
  await server?.stop();
  if (workDir) await fs.rm(workDir, { recursive: true, force: true });
  restoreCredentials?.();
});

async function collect(iterable: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

describe('uploadDataset', () => {
  it('uploads every image of the manifest and then the manifest, under the prefix', async () => {
    const progress: number[] = [];
    const result = await uploadDataset({
      source: datasetDir,
      to: 's3://data/sets/small/',
      s3: { endpoint: server.endpoint },
      concurrency: 4,
      onProgress: ({ done, total }) => {
        expect(total).toBe(COUNT);
        progress.push(done);
      },
    });
    let expectedBytes = 0;
    for (const key of keys) expectedBytes += (await fs.stat(path.join(datasetDir, key))).size;
    expect(result).toMatchObject({
      files: COUNT,
      bytes: expectedBytes,
      keysFrom: 'manifest',
      destination: 's3://data/sets/small/',
      manifest: 's3://data/sets/small/manifest.txt',
    });
    expect(progress).toEqual(Array.from({ length: COUNT }, (_, i) => i + 1));

    expect(await collect(bucket.list('sets/small/'))).toEqual([
      ...keys.map((k) => `sets/small/${k}`),
      'sets/small/manifest.txt',
    ]);
    for (const key of [keys[0], keys[COUNT - 1]] as string[]) {
      const local = await fs.readFile(path.join(datasetDir, key));
      expect((await bucket.get(`sets/small/${key}`)).equals(local)).toBe(true);
    }
    const manifest = (await bucket.get('sets/small/manifest.txt')).toString('utf8');
    expect(parseManifest(manifest, 'manifest.txt')).toEqual(keys);

    // The uploaded manifest works as a job input.
    const inputs = await resolveInputs('s3://data/sets/small/manifest.txt', {
      s3: { endpoint: server.endpoint },
    });
    expect(inputs.keys).toEqual(keys.map((k) => `sets/small/${k}`));
    expect(inputs.storage).toMatchObject({ type: 's3', bucket: 'data' });
  });

  it('lists the images of a folder without a manifest', async () => {
    const folder = path.join(workDir, 'loose');
    await fs.mkdir(path.join(folder, 'cats'), { recursive: true });
    await fs.copyFile(path.join(datasetDir, keys[0] as string), path.join(folder, 'cats', 'a.jpg'));
    await fs.copyFile(path.join(datasetDir, keys[1] as string), path.join(folder, 'b.JPG'));
    await fs.writeFile(path.join(folder, 'notes.txt'), 'not an image');
    const result = await uploadDataset({
      source: folder,
      to: 's3://data/loose',
      s3: { endpoint: server.endpoint },
    });
    expect(result.keysFrom).toBe('folder');
    expect(result.files).toBe(2);
    expect(await collect(bucket.list('loose/'))).toEqual([
      'loose/b.JPG',
      'loose/cats/a.jpg',
      'loose/manifest.txt',
    ]);
    expect(parseManifest((await bucket.get('loose/manifest.txt')).toString(), 'm')).toEqual([
      'b.JPG',
      'cats/a.jpg',
    ]);
  });

  it('keeps at most `concurrency` uploads in flight', async () => {
    let inFlight = 0;
    let peak = 0;
    const counting = async (ref: StorageRef): Promise<BlobStore> => {
      const store = await openStore(ref);
      return Object.assign(Object.create(store) as BlobStore, {
        put: async (key: string, body: Buffer | Uint8Array | string) => {
          peak = Math.max(peak, ++inFlight);
          try {
            await store.put(key, body);
          } finally {
            inFlight--;
          }
        },
      });
    };
    await uploadDataset({
      source: datasetDir,
      to: 's3://data/bounded',
      s3: { endpoint: server.endpoint },
      concurrency: 3,
      openStore: counting,
    });
    expect(peak).toBe(3);
  });

  it('names missing files and uploads nothing', async () => {
    const folder = path.join(workDir, 'broken');
    await fs.mkdir(path.join(folder, 'images'), { recursive: true });
    await fs.copyFile(path.join(datasetDir, keys[0] as string), path.join(folder, 'images', 'ok.jpg'));
    await fs.writeFile(path.join(folder, 'manifest.txt'), 'images/ok.jpg\nimages/gone.jpg\n');
    const err = await uploadDataset({
      source: folder,
      to: 's3://data/broken',
      s3: { endpoint: server.endpoint },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toContain("'images/gone.jpg'");
    expect(await collect(bucket.list('broken/'))).toEqual([]);
  });

  it('fails on a missing bucket without writing a manifest', async () => {
    const err = await uploadDataset({
      source: datasetDir,
      to: 's3://no-such-bucket/x',
      s3: { endpoint: server.endpoint },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageError);
    expect((err as StorageError).code).toBe('NoSuchBucket');
    expect((err as Error).message).toContain("bucket 'no-such-bucket' does not exist");
  });
});

describe('obifaas dataset upload', () => {
  it('uploads, prints a summary with the manifest location, and --json gives the same fields', async () => {
    const human = await captureCli(
      'dataset',
      'upload',
      datasetDir,
      '--to',
      's3://data/cli',
      '--s3-endpoint',
      server.endpoint,
      '--concurrency',
      '8',
    );
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(new RegExp(`^uploaded ${COUNT} files, [0-9.]+ MB in [0-9.]+ s`));
    expect(human.stdout).toContain('manifest    s3://data/cli/manifest.txt');
    expect(human.stderr).toBe('');

    const json = await captureCli(
      'dataset',
      'upload',
      datasetDir,
      '--to',
      's3://data/cli-json',
      '--endpoint', // the earlier name of --s3-endpoint, still taken
      server.endpoint,
      '--json',
    );
    expect(json.code).toBe(0);
    const summary = JSON.parse(json.stdout) as Record<string, unknown>;
    expect(summary).toMatchObject({
      files: COUNT,
      manifest: 's3://data/cli-json/manifest.txt',
      keysFrom: 'manifest',
    });
    expect(typeof summary.bytes).toBe('number');
    expect(typeof summary.seconds).toBe('number');
    expect(await bucket.exists('cli-json/manifest.txt')).toBe(true);
  });

  it('refuses bad input in one line with exit code 2', async () => {
    const noBucket = await captureCli('dataset', 'upload', datasetDir, '--to', 's3:///prefix');
    expect(noBucket.code).toBe(2);
    expect(noBucket.stderr).toMatch(/names no bucket/);
    expect(noBucket.stderr.trim().split('\n')).toHaveLength(1);

    const badEndpoint = await captureCli(
      'dataset',
      'upload',
      datasetDir,
      '--to',
      's3://data/x',
      '--endpoint',
      'ftp://host',
    );
    expect(badEndpoint.code).toBe(2);
    expect(badEndpoint.stderr).toContain('--endpoint');

    const missing = await captureCli('dataset', 'upload', path.join(workDir, 'nope'), '--to', 's3://data/x');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('does not exist');
  });

  it('reports an unreachable endpoint in one line, without a stack', async () => {
    const result = await captureCli(
      'dataset',
      'upload',
      datasetDir,
      '--to',
      's3://data/x',
      '--endpoint',
      'http://127.0.0.1:1',
    );
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toMatch(
      /^obifaas: uploading 'images\/\d{5}\.jpg': cannot reach S3 endpoint http:\/\/127\.0\.0\.1:1: ECONNREFUSED$/,
    );
  });
});
