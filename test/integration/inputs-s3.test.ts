/**
 * resolveInputs on s3:// locations against a real S3-protocol server (s3rver on loopback): a
 * manifest object (keys relative to its prefix), a prefix of images, and the error cases; and a
 * job's inputs listed again from its folder (`obifaas results`) with the job's S3 settings.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveInputs } from '../../src/dataset/inputs.js';
import { UserError } from '../../src/errors.js';
import { inputsDigest } from '../../src/manager/inputs-digest.js';
import { writeJobSpecFile } from '../../src/manager/job-spec-file.js';
import { exportResults } from '../../src/report/results/export.js';
import { compileJobSpec } from '../../src/spec/compile.js';
import type { BlobStore } from '../../src/storage/blob-store.js';
import { openStore } from '../../src/storage/open-store.js';
import { startS3rver, useS3rverCredentials, type S3rverHandle } from '../support/s3rver.js';

let server: S3rverHandle;
let restoreCredentials: () => void;
let store: BlobStore;
let s3: { endpoint: string; forcePathStyle: boolean; region: string };

beforeAll(async () => {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  restoreCredentials = useS3rverCredentials();
  server = await startS3rver({ buckets: ['inputs'] });
  s3 = { endpoint: server.endpoint, forcePathStyle: true, region: 'us-east-1' };
  store = await openStore({ type: 's3', bucket: 'inputs', ...s3 });
  await store.put('ds/manifest.txt', '# keys relative to ds/\nimages/0.jpg\nimages/1.jpg\n');
  await store.put('ds/images/0.jpg', 'zero');
  await store.put('ds/images/1.jpg', 'one');
  await store.put('ds/images/notes.txt', 'not an image');
  await store.put('empty/manifest.txt', '# nothing\n');
  await store.put('docs/readme.md', 'no images here');
});

afterAll(async () => {
  await store?.close();
  await server?.stop();
  restoreCredentials?.();
});

describe('resolveInputs on S3', () => {
  it('reads a manifest object; its keys are relative to the manifest prefix and readable', async () => {
    const inputs = await resolveInputs('s3://inputs/ds/manifest.txt', { s3 });
    expect(inputs.keys).toEqual(['ds/images/0.jpg', 'ds/images/1.jpg']);
    expect(inputs.source).toEqual({ kind: 'manifest', location: 's3://inputs/ds/manifest.txt' });
    expect(inputs.storage).toMatchObject({ type: 's3', bucket: 'inputs', endpoint: server.endpoint });
    const reader = await openStore(inputs.storage);
    try {
      expect((await reader.get(inputs.keys[1] as string)).toString()).toBe('one');
    } finally {
      await reader.close();
    }
  });

  it('lists the images under a prefix, with or without the trailing slash', async () => {
    for (const location of ['s3://inputs/ds/images/', 's3://inputs/ds/images', 's3://inputs/ds']) {
      const inputs = await resolveInputs(location, { s3 });
      expect(inputs.keys, location).toEqual(['ds/images/0.jpg', 'ds/images/1.jpg']);
      expect(inputs.source.kind).toBe('folder');
    }
  });

  it('names the location of an empty manifest, a prefix without images, or nothing at all', async () => {
    await expect(resolveInputs('s3://inputs/empty/manifest.txt', { s3 })).rejects.toThrow(
      "manifest 's3://inputs/empty/manifest.txt' lists no keys",
    );
    await expect(resolveInputs('s3://inputs/docs/', { s3 })).rejects.toThrow(
      "folder 's3://inputs/docs/' holds no image files",
    );
    await expect(resolveInputs('s3://inputs/missing/manifest.txt', { s3 })).rejects.toThrow(
      "input 's3://inputs/missing/manifest.txt' does not exist",
    );
  });

  it('turns a missing bucket into a UserError naming it', async () => {
    const err = await resolveInputs('s3://no-such-bucket/m.txt', { s3 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toContain('no-such-bucket');
  });
});

describe("a job's s3:// inputs, listed again from its folder", () => {
  it('puts the results of a job that did not end in input order, reading the inputs with its S3 settings', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'obifaas-inputs-s3-results-'));
    try {
      const keys = ['ds/images/0.jpg', 'ds/images/1.jpg'];
      const spec = compileJobSpec(
        { inputs: 's3://inputs/ds/manifest.txt', model: 'tiny', out: dir, s3 },
        { cores: 2, now: new Date(), cwd: dir },
      );
      await writeJobSpecFile(dir, {
        version: 1,
        jobId: 'job-s3',
        spec,
        inputs: { count: keys.length, digest: inputsDigest(keys) },
        runs: [],
      });
      // In completion order, as a cancelled job leaves them.
      const lines = [...keys].reverse().map((key) => ({ key, top: null, error: 'cancelled' }));
      await writeFile(path.join(dir, 'results.jsonl'), lines.map((l) => `${JSON.stringify(l)}\n`).join(''));
      const done = await exportResults(dir, 'jsonl', '-');
      expect(done).toMatchObject({ order: 'input', notes: [] });
      const exported = (done.text ?? '').trim().split('\n');
      expect(exported.map((line) => (JSON.parse(line) as { key: string }).key)).toEqual(keys);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
