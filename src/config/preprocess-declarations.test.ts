import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SpecError } from '../errors.js';
import { resolvePreprocess } from '../protocol/preprocess-resolve.js';
import { compileJobSpec } from '../spec/compile.js';
import { resolveJobSpec } from './resolve.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'obifaas-preprocess-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const base = { inputs: '/data/in', model: 'tiny' };
const context = { cores: 2, now: new Date(0) };

describe('preprocessing declarations of a job', () => {
  it('keeps each source apart, highest first: flags, then the config file, then the environment', async () => {
    const config = path.join(dir, 'job.yaml');
    await writeFile(config, 'preprocess:\n  preset: caffe\n  layout: NHWC\n  mean: [1, 2, 3]\n');
    const spec = await resolveJobSpec(
      { flags: { preprocess: 'clip' }, configFile: config, env: { OBIFAAS_PREPROCESS: 'inception' }, base },
      { ...context, cwd: dir },
    );
    expect(spec.preprocess).toEqual([
      { from: '--preprocess', spec: { preset: 'clip' } },
      { from: config, spec: { preset: 'caffe', layout: 'NHWC', mean: [1, 2, 3] } },
      { from: 'environment OBIFAAS_PREPROCESS', spec: { preset: 'inception' } },
    ]);
    // The flag's preset wins every field over the config file's, as flags win over a job spec.
    const resolved = resolvePreprocess(spec.preprocess ?? [], null);
    expect(resolved.preprocess.layout).toBe('NCHW');
    expect(resolved.sources.mean).toBe('preset clip (--preprocess)');
  });

  it('reads a preprocessing file (relative to the config file that names it) below the fields beside it', async () => {
    await writeFile(path.join(dir, 'pre.yaml'), 'preset: inception\nchannels: BGR\nscale: 1/127.5\n');
    const config = path.join(dir, 'with-file.yaml');
    await writeFile(config, 'preprocess:\n  file: pre.yaml\n  channels: RGB\n');
    const spec = await resolveJobSpec({ configFile: config, env: {}, base }, { ...context, cwd: '/' });
    expect(spec.preprocess).toEqual([
      { from: config, spec: { channels: 'RGB' } },
      {
        from: `${path.join(dir, 'pre.yaml')} (${config})`,
        spec: { preset: 'inception', channels: 'BGR', scale: '1/127.5' },
      },
    ]);
    const flagged = await resolveJobSpec(
      { flags: { preprocessFile: 'pre.yaml' }, env: {}, base },
      { ...context, cwd: dir },
    );
    expect(flagged.preprocess?.[0]?.from).toBe('pre.yaml (--preprocess-file)');
  });

  it('names the file and the field of a bad preprocessing file, and the flag of an unknown preset', async () => {
    await writeFile(path.join(dir, 'bad.yaml'), 'preset: clip\nlayout: NWHC\nsize: [224]\n');
    const bad = resolveJobSpec(
      { flags: { preprocessFile: 'bad.yaml' }, env: {}, base },
      { ...context, cwd: dir },
    );
    await expect(bad).rejects.toThrow(SpecError);
    await expect(bad).rejects.toThrow(
      /invalid preprocessing file bad.yaml: layout \(line 2\): expected one of 'NCHW', 'NHWC', got 'NWHC'; did you mean 'NHWC'\?; size \(line 3\): expected \[height, width\] or one number for a square, each an integer from 1 to 8192/,
    );
    await expect(
      resolveJobSpec({ flags: { preprocessFile: 'missing.yaml' }, env: {}, base }, { ...context, cwd: dir }),
    ).rejects.toThrow(/preprocessing file missing.yaml: cannot read '.*missing\.yaml': no such file/);
    await expect(
      resolveJobSpec({ flags: { preprocess: 'incepton' }, env: {}, base }, { ...context, cwd: dir }),
    ).rejects.toThrow(
      /preprocess.preset \(from --preprocess\): expected one of 'imagenet', 'inception', 'clip', 'caffe', 'uint8-nhwc', got 'incepton'; did you mean 'inception'\?/,
    );
  });

  it('takes a spec object as one declaration, and none without a section', () => {
    const spec = compileJobSpec(
      { ...base, preprocess: { preset: 'caffe', dtype: 'float32' } },
      { ...context, cwd: '/' },
    );
    expect(spec.preprocess).toEqual([{ from: 'job spec', spec: { preset: 'caffe', dtype: 'float32' } }]);
    expect(compileJobSpec(base, { ...context, cwd: '/' }).preprocess).toBeUndefined();
  });
});
