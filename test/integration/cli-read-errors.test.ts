/**
 * The read-error fault through the built CLI: `obifaas run --read-error-percent` on local
 * functions (static and dynamic), whose functions fail the reads the seeded decisions pick, as
 * passing errors the job tries again, and `obifaas simulate --read-error-percent`, whose day.json
 * counts the inputs retried and the retry invocations. Bad values are refused with exit 2.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readErrorInjected } from '../../src/core/faults.js';
import type { InputResult } from '../../src/core/prediction.js';
import { generateDataset, type GeneratedDataset } from '../../src/dataset/generate.js';
import type { JobRecord } from '../../src/manager/types.js';
import type { DayReport } from '../../src/trace/day-report.js';
import { expectRefusal } from '../support/cli-refusal.js';
import { obifaas as runObifaas, type CliRun } from '../support/obifaas-cli.js';

let dir: string;
let dataset: GeneratedDataset;

function obifaas(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  return runObifaas(args, { cwd: dir, env: { OBIFAAS_HOME: path.join(dir, 'home'), ...env } });
}

const readJson = async <T>(file: string): Promise<T> => JSON.parse(await readFile(file, 'utf8')) as T;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'obifaas-cli-read-errors-'));
  dataset = await generateDataset({ count: 12, outDir: path.join(dir, 'data'), seed: 4 });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('obifaas run --read-error-percent (local functions)', () => {
  // Seed 8 on these 12 keys: 6 reads fail on the first try, 4 on the second too, 2 on all three.
  const fault = { percent: 40, seed: 8 };
  /** With --max-retries 2 and no other fault, attempt r of a split runs its round r. */
  const failsOn = (key: string, attempts: number): boolean =>
    Array.from({ length: attempts }, (_, a) => a).every((a) => readErrorInjected(fault, key, a));

  for (const mode of ['static', 'dynamic'] as const) {
    it(`${mode}: the picked reads fail as passing errors, are tried again, and one line per input says how it ended`, async () => {
      const out = `job-${mode}`;
      const run = await obifaas(
        [
          'run',
          '--input',
          dataset.manifestPath,
          '--model',
          'tiny',
          '--mode',
          mode,
          '--workers',
          '2',
          '--split-size',
          '4',
          '--max-retries',
          '2',
          '--max-split-retries',
          '2',
          '--read-error-percent',
          '40',
          '--fault-seed',
          '8',
          '--out',
          out,
          '--json',
        ],
        { OBIFAAS_MAX_CONCURRENCY: '2' },
      );
      expect(run.code, run.stderr).toBe(0);
      const lines = (await readFile(path.join(dir, out, 'results.jsonl'), 'utf8'))
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as InputResult);
      expect(lines.map((l) => l.key).sort()).toEqual([...dataset.keys].sort());
      const failedFirst = dataset.keys.filter((k) => failsOn(k, 1));
      expect(failedFirst.length).toBeGreaterThan(0);
      const errors = lines.filter((l) => l.error !== null);
      expect(errors.length).toBeGreaterThan(0);
      expect(errors.map((l) => l.key).sort()).toEqual(dataset.keys.filter((k) => failsOn(k, 3)).sort());
      for (const l of errors) {
        expect(l.errorKind).toBe('passing');
        expect(l.error).toMatch(/^cannot load '.*': injected fault: SlowDown \(503\).*\(tried 3 times\)$/);
      }
      for (const l of lines.filter((x) => x.error === null)) expect(l.top).toHaveLength(5);

      const record = await readJson<JobRecord>(path.join(dir, out, 'job.json'));
      expect(record.faults?.policy).toEqual({
        failPercent: 0,
        delayPercent: 0,
        delayMaxMs: 5000,
        readErrorPercent: 40,
        seed: 8,
      });
      expect(record.faults?.workers.map((w) => w.workerId).sort()).toEqual(
        record.invocations.map((i) => i.workerId).sort(),
      );
      for (const w of record.faults?.workers ?? []) expect(w.faults).toEqual({ readErrors: fault });
      for (const i of record.invocations)
        expect(i).toMatchObject({ ok: true, faults: { readErrors: fault } });
      // Every split with a failed read ran again (a retry attempt), those without did not.
      expect(record.summary.retries).toBeGreaterThan(0);
      expect(record.summary.retries).toBe(record.splits.reduce((n, s) => n + s.attempts.length - 1, 0));
      expect(record.summary).toMatchObject({
        ok: 12 - errors.length,
        errors: errors.length,
        failedInvocations: 0,
      });
    });
  }

  it('refuses a bad value, from a flag or the environment (exit 2, one line)', async () => {
    const args = ['run', '--input', dataset.manifestPath, '--model', 'tiny'];
    expectRefusal(
      await obifaas([...args, '--read-error-percent', '101']),
      /faults\.readErrorPercent \(from --read-error-percent\): expected a number from 0 to 100, got 101/,
    );
    expectRefusal(
      await obifaas([...args, '--read-error-percent', 'some']),
      /--read-error-percent: expected a number, got 'some'/,
    );
    expectRefusal(
      await obifaas(args, { OBIFAAS_READ_ERROR_PERCENT: '-5' }),
      /faults\.readErrorPercent \(from environment OBIFAAS_READ_ERROR_PERCENT\): expected a number from 0 to 100, got -5/,
    );
  });
});

describe('obifaas simulate --read-error-percent', () => {
  beforeAll(async () => {
    const made = await obifaas(['trace', 'make', '--jobs', '6', '--seed', '3', '--out', 'day.csv']);
    expect(made.code, made.stderr).toBe(0);
  });

  const simulate = async (out: string, extra: string[]): Promise<DayReport> => {
    const run = await obifaas([
      'simulate',
      'day.csv',
      '--profile',
      'lambda-resnet50-3008',
      '--mode',
      'static',
      '--out',
      out,
      '--json',
      ...extra,
    ]);
    expect(run.code, run.stderr).toBe(0);
    return readJson<DayReport>(path.join(dir, out, 'day.json'));
  };

  it('counts the inputs retried and the retry invocations in day.json, and charges them', async () => {
    const clean = await simulate('sim-clean', []);
    const all = await simulate('sim-all', ['--read-error-percent', '100']);
    const some = await simulate('sim-some', ['--read-error-percent', '20', '--fault-seed', '9']);
    expect(clean.totals).toMatchObject({ inputRetries: 0, retries: 0 });
    expect(all.settings.faults).toMatchObject({ readErrorPercent: 100 });
    // Every read fails on both tries (--max-retries 1): each input is retried once, each chunk
    // (one per 32 images under the default policy) runs twice.
    for (const job of all.jobs) {
      const chunks = Math.ceil(job.images / 32);
      expect(job).toMatchObject({ inputRetries: job.images, retries: chunks, invocations: 2 * chunks });
    }
    expect(all.totals.inputRetries).toBe(all.totals.images);
    expect(all.totals.costUsd).toBeGreaterThan(1.5 * clean.totals.costUsd);
    expect(all.totals.billedSeconds).toBeGreaterThan(1.5 * clean.totals.billedSeconds);
    expect(some.totals.inputRetries).toBeGreaterThan(0);
    expect(some.totals.inputRetries).toBeLessThan(some.totals.images);
    expect(some.totals.inputRetries).toBe(some.jobs.reduce((n, j) => n + (j.inputRetries ?? 0), 0));
    expect(some.totals.costUsd).toBeGreaterThan(clean.totals.costUsd);
  });

  it('refuses a bad value before reading anything (exit 2, one line)', async () => {
    expectRefusal(
      await obifaas([
        'simulate',
        'day.csv',
        '--profile',
        'lambda-resnet50-3008',
        '--read-error-percent',
        '-1',
      ]),
      /faults\.readErrorPercent \(from --read-error-percent\): expected a number from 0 to 100, got -1/,
    );
  });
});
