/**
 * `obifaas replay` as a user runs it (the CLI as installed, in a child process): a 20-job synthetic
 * trace replayed at high speed on the local backend with the tiny model, checked against the job
 * folders it wrote; bad traces, inputs and settings (one line, exit 2, nothing run); a trace whose
 * jobs exceed every cap; Ctrl-C.
 */
import type { ChildProcess } from 'node:child_process';
import { access, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDataset, type GeneratedDataset } from '../../src/dataset/generate.js';
import type { JobRecord } from '../../src/manager/types.js';
import type { DayReport } from '../../src/trace/day-report.js';
import { formatTraceCsv, generateTrace } from '../../src/trace/trace-gen.js';
import type { InputResult } from '../../src/core/prediction.js';
import { obifaas as runObifaas, type CliRun } from '../support/obifaas-cli.js';
import { expectRefusal as expectUserError } from '../support/cli-refusal.js';

let dir: string;
let dataset: GeneratedDataset;

/** The CLI run in the test folder, with its own OBIFAAS_HOME. */
function obifaas(args: string[], onSpawn?: (child: ChildProcess) => void): Promise<CliRun> {
  return runObifaas(args, { cwd: dir, env: { OBIFAAS_HOME: path.join(dir, 'home') }, onSpawn });
}

async function readJsonl(file: string): Promise<InputResult[]> {
  return (await readFile(file, 'utf8'))
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as InputResult);
}

async function readJson<T>(file: string): Promise<T> {
  return JSON.parse(await readFile(file, 'utf8')) as T;
}

function peakOverlap(intervals: ReadonlyArray<[number, number]>): number {
  const events = intervals.flatMap(([s, e]): Array<[number, number]> => [
    [s, 1],
    [e, -1],
  ]);
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let now = 0;
  let peak = 0;
  for (const [, d] of events) peak = Math.max(peak, (now += d));
  return peak;
}

const replayArgs = ['--input', 'data/manifest.txt', '--model', 'tiny', '--batch-size', '4', '--top-k', '1'];

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'obifaas-replay-cli-'));
  dataset = await generateDataset({ count: 10, outDir: path.join(dir, 'data'), seed: 8 });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('obifaas replay: a 20-job synthetic trace', () => {
  it('finishes under the caps, and day.json agrees with the job folders', async () => {
    const rows = generateTrace({ jobs: 20, seed: 4, medianImages: 6, sizeSigma: 0.8, maxImages: 24 });
    expect(rows.some((r) => r.images > dataset.keys.length)).toBe(true); // some job cycles the keys
    await writeFile(path.join(dir, 'day-20.csv'), formatTraceCsv(rows));
    const run = await obifaas([
      'replay',
      'day-20.csv',
      ...replayArgs,
      '--speed',
      '50000',
      '--max-workers',
      '3',
      '--max-jobs',
      '2',
      '--split-size',
      '4',
      '--out',
      'day-20',
      '--json',
    ]);
    expect(run.code, run.stderr).toBe(0);
    const out = path.join(dir, 'day-20');
    const report = await readJson<DayReport>(path.join(out, 'day.json'));
    expect(JSON.parse(run.stdout)).toEqual(report);
    expect(report.source).toBe('replay');
    expect(report.totals.jobs).toBe(20);
    expect(report.totals.succeeded).toBe(20);
    expect(report.settings).toMatchObject({ maxWorkers: 3, maxJobs: 2, policy: 'default', speed: 50000 });

    const records: JobRecord[] = [];
    for (const job of report.jobs) {
      expect(job.folder).toBe(job.id);
      const folder = path.join(out, job.folder!);
      const lines = await readJsonl(path.join(folder, 'results.jsonl'));
      expect(lines.length).toBe(job.images);
      expect(lines.every((l) => l.error === null && l.top !== null)).toBe(true);
      const record = await readJson<JobRecord>(path.join(folder, 'job.json'));
      records.push(record);
      expect(record.status).toBe('completed');
      expect(record.summary.inputs).toBe(job.images);
      expect(record.summary.workers).toBe(job.workers);
      expect(job.costUsd).toBeCloseTo(record.summary.costUsd, 12);
      expect(job.billedSeconds).toBeCloseTo(record.summary.billedSeconds, 6);
      expect(job.latencySeconds).toBeGreaterThanOrEqual(0);
    }
    const t = report.totals;
    expect(t.images).toBe(report.jobs.reduce((s, j) => s + j.images, 0));
    expect(t.costUsd).toBeCloseTo(
      records.reduce((s, r) => s + r.summary.costUsd, 0),
      12,
    );
    expect(t.requests).toBe(records.reduce((s, r) => s + r.invocations.length, 0));
    expect(t.billedSeconds).toBeCloseTo(
      records.reduce((s, r) => s + r.summary.billedSeconds, 0),
      3,
    );
    // The caps, from what the job managers recorded.
    const invocations = records.flatMap((r) => r.invocations);
    expect(peakOverlap(invocations.map((i) => [i.submittedAt, i.endedAt]))).toBeLessThanOrEqual(3);
    expect(
      peakOverlap(records.map((r) => [Date.parse(r.startedAt), Date.parse(r.endedAt)])),
    ).toBeLessThanOrEqual(2);
    expect(t.peakWorkers).toBeLessThanOrEqual(3);
    await access(path.join(out, 'workers.log'));
  }, 120_000);
});

describe('obifaas replay: bad input', () => {
  beforeAll(async () => {
    await writeFile(path.join(dir, 'one.csv'), 'STARTED,ds_id,n_images_ds\n2024-01-15T10:00:00Z,a,2\n');
  });
  const badTrace = [
    'STARTED,ds_id,n_images_ds,owner',
    '2024-01-15T10:00:00Z,ds-a,3,x',
    'yesterday,ds-b,5,x',
    '2024-01-15T10:00:02Z,ds-c,-4,x',
    '2024-01-15T10:00:03Z,ds-d',
    '2024-01-15T10:00:04Z,ds-e,40,x',
    '',
  ].join('\n');

  it('malformed rows with --strict: every one named with its line, exit 2, nothing run', async () => {
    await writeFile(path.join(dir, 'bad.csv'), badTrace);
    expectUserError(
      await obifaas(['replay', 'bad.csv', ...replayArgs, '--strict', '--out', 'bad-strict']),
      /bad\.csv: 3 malformed row\(s\): line 3: STARTED: expected a timestamp \(ISO 8601, or Unix seconds\), got 'yesterday'; line 4: n_images_ds: expected a whole number of images from 1 to 10000000, got '-4'; line 5: n_images_ds: missing column/,
    );
    await expect(access(path.join(dir, 'bad-strict'))).rejects.toThrow();
  });

  it('without --strict, malformed rows are skipped and counted, and a job larger than every cap is corrected down', async () => {
    await writeFile(path.join(dir, 'bad.csv'), badTrace);
    const run = await obifaas([
      'replay',
      'bad.csv',
      ...replayArgs,
      '--speed',
      '1000',
      '--max-workers',
      '2',
      '--split-size',
      '2',
      '--out',
      'bad-lenient',
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/skipped 3 malformed row\(s\): line 3: .*; line 4: .*; line 5: /);
    expect(run.stdout).toMatch(/Replayed 2 jobs, 43 images from bad\.csv \(3 malformed rows skipped\)/);
    const report = await readJson<DayReport>(path.join(dir, 'bad-lenient', 'day.json'));
    expect(report.trace.malformedRows).toBe(3);
    expect(report.totals.succeeded).toBe(2);
    const big = report.jobs.find((j) => j.images === 40)!;
    expect(big.line).toBe(6);
    expect(big.requestedWorkers).toBe(20); // ceil(40 / 2) by the default policy
    expect(big.workers).toBe(2); // corrected to --max-workers
    expect(report.totals.correctedJobs).toBe(1);
    expect((await readJsonl(path.join(dir, 'bad-lenient', big.id, 'results.jsonl'))).length).toBe(40);
  }, 120_000);

  it('an empty trace, and a trace with only a header', async () => {
    await writeFile(path.join(dir, 'empty.csv'), '');
    expectUserError(await obifaas(['replay', 'empty.csv', ...replayArgs]), /empty\.csv: empty trace/);
    await writeFile(path.join(dir, 'header.csv'), 'STARTED,ds_id,n_images_ds\n');
    expectUserError(
      await obifaas(['replay', 'header.csv', ...replayArgs]),
      /header\.csv: the trace has no jobs/,
    );
  });

  it('a missing trace, manifest or model, and a day folder already in use', async () => {
    expectUserError(await obifaas(['replay', 'nope.csv', ...replayArgs]), /nope\.csv: cannot read the trace/);
    expectUserError(
      await obifaas(['replay', 'one.csv', '--input', 'missing.txt', '--model', 'tiny']),
      /input '.*missing\.txt' does not exist/,
    );
    expectUserError(
      await obifaas(['replay', 'one.csv', '--input', 'data/manifest.txt', '--model', './no-such.onnx']),
      /no-such\.onnx/,
    );
    await mkdir(path.join(dir, 'used'), { recursive: true });
    await writeFile(path.join(dir, 'used', 'day.json'), '{}');
    expectUserError(
      await obifaas(['replay', 'one.csv', ...replayArgs, '--out', 'used']),
      /--out: '.*used' is not empty/,
    );
  }, 60_000);

  it('bad replay settings', async () => {
    expectUserError(
      await obifaas(['replay', 'one.csv', ...replayArgs, '--policy', 'fastest']),
      /--policy: unknown policy 'fastest' \(known: default, fixed, cpr, deadline\)/,
    );
    expectUserError(
      await obifaas(['replay', 'one.csv', ...replayArgs, '--policy', 'cpr']),
      /--policy cpr needs --cpr-per-million/,
    );
    expectUserError(
      await obifaas(['replay', 'one.csv', ...replayArgs, '--speed', '0']),
      /--speed: expected a number > 0, got '0'/,
    );
    expectUserError(await obifaas(['replay', 'one.csv', '--model', 'tiny']), /inputs/);
  }, 60_000);
});

describe('obifaas replay: Ctrl-C', () => {
  it('cancels running jobs (every input still gets a line), skips later ones, writes day.json, exits 130', async () => {
    // One long job now, the next one a minute later: Ctrl-C comes while the first one runs.
    await writeFile(
      path.join(dir, 'long.csv'),
      'STARTED,ds_id,n_images_ds\n2024-01-15T10:00:00Z,a,400\n2024-01-15T10:01:00Z,b,5\n',
    );
    const out = path.join(dir, 'long');
    const results = path.join(out, 'job-00001', 'results.jsonl');
    const run = await obifaas(
      ['replay', 'long.csv', ...replayArgs, '--max-workers', '1', '--split-size', '400', '--out', 'long'],
      (child) => {
        const poll = setInterval(() => {
          access(results).then(
            () => {
              clearInterval(poll);
              setTimeout(() => child.kill('SIGINT'), 300);
            },
            () => undefined,
          );
        }, 100);
        child.once('close', () => clearInterval(poll));
      },
    );
    expect(run.code, run.stderr).toBe(130);
    expect(run.stderr).toMatch(/cancelling the replay/);
    expect(run.stderr).toMatch(/replay cancelled: 1 job cancelled, 1 never submitted/);
    const report = await readJson<DayReport>(path.join(out, 'day.json'));
    expect(report.totals.jobs).toBe(1);
    expect(report.jobs[0]?.status).toBe('cancelled');
    expect(report.details).toMatchObject({ scheduledJobs: 2, notSubmitted: 1 });
    const lines = await readJsonl(results);
    expect(lines.length).toBe(400);
    expect(lines.some((l) => l.error === 'cancelled')).toBe(true);
  }, 120_000);
});
