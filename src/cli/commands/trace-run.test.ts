/** `obifaas trace make` as a script uses it: `--json` with `--out`, and the CSV alone without. */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureCli } from '../../../test/support/capture-cli.js';
import { expectRefusal } from '../../../test/support/cli-refusal.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'obifaas-trace-make-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('obifaas trace make', () => {
  it('--json --out prints what was written as one JSON object, the same figures as the line', async () => {
    const file = path.join(dir, 'day.csv');
    const json = await captureCli('trace', 'make', '--jobs', '5', '--seed', '3', '--out', file, '--json');
    expect(json.code, json.stderr).toBe(0);
    const made = JSON.parse(json.stdout) as { file: string; jobs: number; images: number };
    const rows = (await readFile(file, 'utf8')).trim().split('\n').slice(1);
    const images = rows.reduce((sum, row) => sum + Number(row.split(',')[2]), 0);
    expect(made).toEqual({ file, jobs: 5, images, date: '2024-01-15', seed: 3 });
    const text = await captureCli('trace', 'make', '--jobs', '5', '--seed', '3', '--out', file);
    expect(text.stdout).toBe(
      `wrote ${file}: 5 jobs, ${images.toLocaleString('en-US')} images on 2024-01-15 (seed 3)\n`,
    );
  });

  it('refuses --json without --out (the CSV itself goes to standard output), and prints the CSV alone', async () => {
    expectRefusal(
      await captureCli('trace', 'make', '--jobs', '2', '--json'),
      /--json needs --out FILE: without it the CSV itself goes to standard output/,
    );
    const csv = await captureCli('trace', 'make', '--jobs', '2');
    expect(csv.code).toBe(0);
    expect(csv.stdout.split('\n')[0]).toBe('STARTED,ds_id,n_images_ds');
  });
});
