/**
 * Hostile trace rows against the real CLI (child processes): a job size of `1e308` (or any
 * beyond the cap) is a malformed row that `trace check` reports by its line, and that
 * `simulate` skips, saying so, instead of trying to simulate it (it never hangs: each command
 * must end well within its time limit).
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_TRACE_JOB_IMAGES } from '../../src/trace/trace-csv.js';
import { obifaasBin, requireFreshDist } from '../support/obifaas-bin.js';

let dir: string;
let trace: string;
const HUGE = ['1e308', '1e30', String(MAX_TRACE_JOB_IMAGES + 1), 'Infinity', '-5', '12.5', 'NaN'];

beforeAll(async () => {
  await requireFreshDist();
  dir = await mkdtemp(path.join(os.tmpdir(), 'obifaas-adv-trace-'));
  trace = path.join(dir, 'day.csv');
  const rows = HUGE.map((n, i) => `2024-01-01 00:0${i}:00,bad${i},${n}`);
  await writeFile(
    trace,
    ['STARTED,ds_id,n_images_ds', '2024-01-01 00:00:30,good,64', ...rows, ''].join('\n'),
  );
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('job sizes beyond the cap', () => {
  it('are malformed rows in trace check, each named by its line', async () => {
    const run = await obifaasBin(['trace', 'check', trace], { cwd: dir, timeoutMs: 60_000 });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/1 jobs, 64 images/);
    expect(run.stdout).toMatch(new RegExp(`${HUGE.length} malformed row\\(s\\) skipped`));
    HUGE.forEach((n, i) =>
      expect(run.stdout).toContain(
        `line ${i + 3}: n_images_ds: expected a whole number of images from 1 to ${MAX_TRACE_JOB_IMAGES}, got '${n}'`,
      ),
    );
  });

  it('are skipped by simulate, which ends and reports the one good job', async () => {
    const out = path.join(dir, 'sim');
    const run = await obifaasBin(
      ['simulate', trace, '--profile', 'lambda-resnet50-3008', '--out', out, '--json'],
      { cwd: dir, timeoutMs: 120_000 },
    );
    expect(run.signal, 'simulate must end on its own').toBeNull();
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(
      new RegExp(`skipped ${HUGE.length} malformed row\\(s\\): line 3: n_images_ds`),
    );
    const day = JSON.parse(await readFile(path.join(out, 'day.json'), 'utf8')) as { jobs: unknown[] };
    expect(day.jobs).toHaveLength(1);
  });
});
