import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../cli/main.js';
import { UserError } from '../errors.js';
import { buildModelFile } from './build-file.js';
import { buildTiny } from './tiny.js';

describe('obifaas model build', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'obifaas-model-build-'));
  });

  afterEach(async () => {
    vi.restoreAllMocks();
    await rm(dir, { recursive: true, force: true });
  });

  it('writes the model to --out and reports what it wrote', async () => {
    const out = path.join(dir, 'tiny.onnx');
    const info = await buildModelFile('tiny', { out, seed: 4 });
    const expected = buildTiny({ seed: 4 });
    expect(info).toMatchObject({
      name: 'tiny',
      seed: 4,
      path: out,
      sizeBytes: expected.bytes.length,
      parameterCount: expected.parameterCount,
      inputName: 'input',
      outputName: 'logits',
    });
    expect((await readFile(out)).equals(Buffer.from(expected.bytes))).toBe(true);
  });

  it('writes to the cache without --out', async () => {
    const info = await buildModelFile('tiny', { home: dir });
    expect(info.path).toBe(path.join(dir, 'models', 'tiny-r1-seed0.onnx'));
  });

  it('names the models there are when given an unknown one', async () => {
    await expect(buildModelFile('vgg16', { home: dir })).rejects.toThrow(UserError);
    await expect(buildModelFile('vgg16', { home: dir })).rejects.toThrow(
      "unknown model 'vgg16': expected one of resnet50, tiny",
    );
  });

  it('runs from the command line: prints the path, exits 2 with one line on mistakes', async () => {
    const stdout: string[] = [];
    const stderr: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => (stdout.push(String(chunk)), true));
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => (stderr.push(String(chunk)), true));
    const out = path.join(dir, 'cli.onnx');

    expect(await main(['node', 'obifaas', 'model', 'build', 'tiny', '--out', out, '--json'])).toBe(0);
    expect(JSON.parse(stdout.join(''))).toMatchObject({ name: 'tiny', path: out, parameterCount: 150_808 });

    expect(await main(['node', 'obifaas', 'model', 'build', 'alexnet'])).toBe(2);
    expect(await main(['node', 'obifaas', 'model', 'build', 'tiny', '--seed', 'x'])).toBe(2);
    const errors = stderr.join('');
    expect(errors).toContain("unknown model 'alexnet'");
    expect(errors).toContain('--seed: expected an integer');
    expect(errors).not.toContain('    at ');
  });
});
