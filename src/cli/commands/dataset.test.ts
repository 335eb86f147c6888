import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { captureCli as run } from '../../../test/support/capture-cli.js';

describe('obifaas dataset', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'obifaas-dataset-cli-'));
  });

  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('make writes the images and the manifest and reports them as JSON', async () => {
    const out = path.join(dir, 'ds');
    const result = await run('dataset', 'make', '--count', '3', '--out', out, '--seed', '4', '--json');
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(summary).toMatchObject({ count: 3, out, manifest: path.join(out, 'manifest.txt'), seed: 4 });
    expect(await fs.readdir(path.join(out, 'images'))).toEqual(['00000.jpg', '00001.jpg', '00002.jpg']);
  });

  it('make prints a short summary without --json', async () => {
    const result = await run('dataset', 'make', '--count', '1', '--out', dir);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^wrote 1 images \(.* MB\) in .* s\nmanifest +.*manifest\.txt\n$/);
  });

  it('make refuses bad flags with one line and exit code 2', async () => {
    for (const args of [
      ['--count', '0', '--out', dir],
      ['--count', '2', '--out', dir, '--quality-min', '96'],
      ['--count', '2', '--out', dir, '--quality-max', '101'],
      ['--count', '2', '--out', dir, '--seed', 'abc'],
      ['--count', '2'],
    ]) {
      const result = await run('dataset', 'make', ...args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr.trim().split('\n')[0], args.join(' ')).toMatch(/--count|--quality|--seed|--out/);
      expect(result.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it('make refuses an output folder that is a file', async () => {
    const file = path.join(dir, 'file');
    await fs.writeFile(file, 'x');
    const result = await run('dataset', 'make', '--count', '1', '--out', file);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`obifaas: output folder '${file}' is a file\n`);
  });

  it('manifest lists the images of a folder', async () => {
    await fs.mkdir(path.join(dir, 'cats'));
    await fs.writeFile(path.join(dir, 'cats', 'b.JPG'), 'x');
    await fs.writeFile(path.join(dir, 'a.png'), 'x');
    await fs.writeFile(path.join(dir, 'notes.txt'), 'x');
    const result = await run('dataset', 'manifest', dir, '--json');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ count: 2, manifest: path.join(dir, 'manifest.txt') });
    const text = await fs.readFile(path.join(dir, 'manifest.txt'), 'utf8');
    expect(text.split('\n').filter((l) => l !== '' && !l.startsWith('#'))).toEqual(['a.png', 'cats/b.JPG']);
  });

  it('manifest refuses a folder without images', async () => {
    const result = await run('dataset', 'manifest', dir);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('holds no image files');
  });
});
