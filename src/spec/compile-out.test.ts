import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Issue } from '../errors.js';
import { compileJobSpec } from './compile.js';
import { stagingFolderFor, uploadTargetOf } from './compile-out.js';
import type { CompileContext, UploadTarget } from './types.js';
import { specErrorOf } from '../../test/support/spec-error.js';

const context = {
  cores: 2,
  now: new Date('2024-05-01T12:34:56.789Z'),
  cwd: '/work/here',
  stagingRoot: '/home/u/.cache/obifaas/staging',
};
const base = { inputs: 'data/manifest.txt', model: 'tiny' };

const issuesOf = (options: unknown, ctx: CompileContext = context): Issue[] =>
  specErrorOf(() => compileJobSpec(options, ctx)).issues;

describe('where a job writes', () => {
  it('an s3:// out: the target, and a staging folder named by the URL under the staging root', () => {
    const spec = compileJobSpec({ ...base, out: 's3://results/photos/run-1/' }, context);
    expect(spec.uploadTo).toEqual({
      uri: 's3://results/photos/run-1',
      store: { type: 's3', bucket: 'results', prefix: 'photos/run-1' },
    });
    expect(path.dirname(spec.outDir)).toBe(context.stagingRoot);
    expect(path.basename(spec.outDir)).toMatch(/^run-1-[0-9a-f]{16}$/);
    // The same URL, written either way, finds the same folder; another URL another one.
    const again = compileJobSpec({ ...base, out: 'S3://results/photos/run-1' }, context);
    expect(again.outDir).toBe(spec.outDir);
    const other = compileJobSpec({ ...base, out: 's3://results/photos/run-2' }, context);
    expect(other.outDir).not.toBe(spec.outDir);
  });

  it('takes --staging and the S3 connection settings', () => {
    const spec = compileJobSpec(
      {
        ...base,
        out: 's3://results',
        staging: 'work/stage',
        s3: { endpoint: 'http://127.0.0.1:9000/', region: 'eu-west-1', forcePathStyle: true },
      },
      context,
    );
    expect(spec.outDir).toBe('/work/here/work/stage');
    const s3 = { endpoint: 'http://127.0.0.1:9000', region: 'eu-west-1', forcePathStyle: true };
    expect(spec.s3).toEqual(s3);
    expect(spec.uploadTo).toEqual({ uri: 's3://results', store: { type: 's3', bucket: 'results', ...s3 } });
  });

  it('a local out has no target, and refuses --staging and other URL schemes', () => {
    const spec = compileJobSpec({ ...base, out: 'runs/a' }, context);
    expect(spec.outDir).toBe('/work/here/runs/a');
    expect(spec.uploadTo).toBeUndefined();
    expect(issuesOf({ ...base, out: 'runs/a', staging: 'x' })).toEqual([
      { path: 'staging', message: 'a staging folder goes with an s3:// out only' },
    ]);
    expect(issuesOf({ ...base, out: 'gs://bucket/x' })).toEqual([
      { path: 'out', message: 'expected a local folder or s3://BUCKET/PREFIX' },
    ]);
  });

  it('reports a bad bucket or prefix, and a missing staging root, with the other issues', () => {
    const issues = issuesOf({ model: 'tiny', out: 's3://Bad_Bucket/x' });
    expect(issues.map((i) => i.path)).toEqual(['inputs', 'out']);
    expect(issues[1]?.message).toMatch(/not a valid S3 bucket name/);
    expect(issuesOf({ ...base, out: 's3://bucket/a//b' })[0]?.message).toMatch(
      /empty, '\.' or '\.\.' segment/,
    );
    expect(issuesOf({ ...base, out: 's3://bucket/a/../b' })[0]?.path).toBe('out');
    const { stagingRoot: _root, ...withoutRoot } = context;
    expect(issuesOf({ ...base, out: 's3://bucket/a' }, withoutRoot)).toEqual([
      { path: 'staging', message: 'an s3:// output needs a local staging folder: set staging' },
    ]);
  });

  it('refuses credentials in the endpoint without repeating them', () => {
    const issues = issuesOf({
      ...base,
      out: 's3://bucket',
      s3: { endpoint: 'http://AKIDX:hunter2@minio:9000' },
    });
    expect(issues).toHaveLength(1);
    expect(issues[0]?.path).toBe('s3.endpoint');
    expect(JSON.stringify(issues)).not.toMatch(/hunter2|AKIDX/);
    expect(issuesOf({ ...base, s3: { endpoint: 'http://minio:9000/?sig=abc' } })[0]?.message).toBe(
      'expected a URL without a query or fragment',
    );
  });

  it('names the staging folder by the last prefix segment or the bucket, made safe for a file name', () => {
    const target = uploadTargetOf('s3://bucket/a b/ünï', undefined) as UploadTarget;
    expect(path.basename(stagingFolderFor(target, '/r'))).toMatch(/^_n_-[0-9a-f]{16}$/);
    const root = uploadTargetOf('s3://bucket', undefined) as UploadTarget;
    expect(path.basename(stagingFolderFor(root, '/r'))).toMatch(/^bucket-[0-9a-f]{16}$/);
  });
});
