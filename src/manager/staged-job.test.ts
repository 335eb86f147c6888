import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { compileJobSpec } from '../spec/compile.js';
import { locateStagedJob, resumedStagedSpec } from './staged-job.js';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'obifaas-staged-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const specOf = (out: string) =>
  compileJobSpec(
    { inputs: 'data/manifest.txt', model: 'tiny', out, s3: { endpoint: 'http://127.0.0.1:9000' } },
    { cores: 2, now: new Date(0), cwd: '/work', stagingRoot: path.join(root, 'staging') },
  );

describe('resuming a job with an s3:// output', () => {
  it('keeps the saved spec, with connection settings given now winning over the saved ones', () => {
    const spec = specOf('s3://results/run-1');
    expect(resumedStagedSpec(spec, 's3://results/run-1/')).toBe(spec);
    const moved = resumedStagedSpec(spec, 's3://results/run-1', { endpoint: 'http://minio:9000' });
    expect(moved.uploadTo?.store).toEqual({
      type: 's3',
      bucket: 'results',
      prefix: 'run-1',
      endpoint: 'http://minio:9000',
    });
    expect(moved.s3).toEqual({ endpoint: 'http://minio:9000' });
    expect(moved.outDir).toBe(spec.outDir);
  });

  it("refuses a staging folder of another target, or a local job's folder named by an s3:// URL", () => {
    expect(() => resumedStagedSpec(specOf('s3://results/run-1'), 's3://results/run-2')).toThrow(
      /holds a job of s3:\/\/results\/run-1, not of s3:\/\/results\/run-2/,
    );
    expect(() => resumedStagedSpec(specOf('/work/out'), 's3://results/run-1')).toThrow(
      /holds a job of a local output folder/,
    );
  });

  it('takes a local folder as it is, and refuses --staging with it', async () => {
    const stagingRoot = path.join(root, 'staging');
    expect(await locateStagedJob('/work/out', { stagingRoot })).toEqual({ dir: '/work/out', restored: null });
    await expect(locateStagedJob('/work/out', { stagingRoot, staging: '/x' })).rejects.toThrow(
      '--staging goes with --resume s3://BUCKET/PREFIX only',
    );
    await expect(locateStagedJob('s3://No_Bucket/x', { stagingRoot })).rejects.toThrow(
      /--resume: .*not a valid S3 bucket name/,
    );
  });
});
