/**
 * The programmatic API on real function processes (the `tiny` model, the local backend): the
 * summary `runJob` returns is the object `obifaas run --json` prints for the same job; the events
 * tell a progress bar everything; a job run with a time estimate (`run --profile`, the API's
 * `estimate`) keeps its plan's prediction in job.json and its report sets it against what was
 * measured; `replayDay` runs a day of jobs given in memory; the example in examples/ runs.
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  generateDataset,
  readJobRecord,
  readJobResults,
  replayDay,
  resolveJobSpec,
  resumeJob,
  runJob,
  writeJobReport,
  type JobEvent,
  type JobSummary,
} from '../../src/index.js';
import { obifaas } from '../support/obifaas-cli.js';

const repoRoot = path.resolve(import.meta.dirname, '..', '..');
let dir: string;
let home: string;
let manifest: string;
let keys: string[];

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'obifaas-api-'));
  home = path.join(dir, 'home');
  ({ manifestPath: manifest, keys } = await generateDataset({
    count: 6,
    outDir: path.join(dir, 'data'),
    seed: 3,
  }));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** `obifaas run ... --json` in the test folder, parsed. */
async function cliJson(...args: string[]): Promise<JobSummary> {
  const run = await obifaas(['run', '--input', manifest, '--model', 'tiny', '--json', ...args], {
    cwd: dir,
    env: { OBIFAAS_HOME: home },
  });
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as JobSummary;
}

/** Figures of a summary that do not depend on timing or on where the job ran. */
const shapeOf = (s: JobSummary) => {
  const { jobId: _id, out: _out, ...rest } = s;
  const timed = ['elapsedSeconds', 'latencySeconds', 'imagesPerSecond', 'billedSeconds', 'functionSeconds'];
  const timedToo = ['initSeconds', 'costUsd', 'costPerMillionImagesUsd', 'imagesPerDollar'];
  return Object.fromEntries(
    Object.entries(rest).map(([key, value]) => [
      key,
      [...timed, ...timedToo].includes(key) ? typeof value : value,
    ]),
  );
};

describe('runJob', () => {
  it('returns the object `obifaas run --json` prints, and tells every step as an event', async () => {
    const fromCli = await cliJson('--workers', '2', '--name', 'same', '--out', path.join(dir, 'cli-job'));
    const events: JobEvent[] = [];
    const spec = resolveJobSpec({
      inputs: manifest,
      model: 'tiny',
      workers: 2,
      name: 'same',
      out: path.join(dir, 'api-job'),
    });
    const fromApi = await runJob(spec, { home, onProgress: (e) => events.push(e) });
    expect(Object.keys(fromApi)).toEqual(Object.keys(fromCli));
    expect(shapeOf(fromApi)).toEqual(shapeOf(fromCli));
    expect(fromApi).toMatchObject({
      status: 'completed',
      inputs: 6,
      ok: 6,
      workers: 2,
      out: path.join(dir, 'api-job'),
    });

    expect(events[0]).toMatchObject({
      type: 'job-started',
      plannedInvocations: 2,
      progress: { total: 6, done: 0 },
    });
    expect(events.at(-1)).toMatchObject({
      type: 'job-ended',
      status: 'completed',
      progress: { done: 6, running: 0 },
    });
    expect(events.filter((e) => e.type === 'invocation-started')).toHaveLength(2);
    expect(events.filter((e) => e.type === 'invocation-ended' && e.ok)).toHaveLength(2);
    expect(events.filter((e) => e.type === 'split-done').map((e) => e.inputs)).toEqual([3, 3]);

    const lines = [];
    for await (const line of readJobResults(fromApi.out)) lines.push(line);
    expect(lines.map((l) => l.key)).toEqual(keys);
    // A completed job resumed: nothing runs, and its recorded summary comes back.
    expect(await resumeJob(fromApi.out, { home })).toEqual(fromApi);
  });

  it('with a time estimate, job.json keeps the prediction and the report sets it against what was measured', async () => {
    const out = path.join(dir, 'cli-predicted');
    const fromCli = await cliJson('--workers', '2', '--profile', 'lambda-resnet50-3008', '--out', out);
    const record = await readJobRecord(fromCli.out);
    expect(record.plan).toMatchObject({ splits: 2, invocations: 2 });
    const predicted = record.plan?.predicted;
    expect(predicted).toMatchObject({
      basis: 'profile lambda-resnet50-3008',
      priceModel: 'aws-lambda-x86_64',
    });
    for (const figure of ['costUsd', 'costPerMillionImagesUsd', 'latencySeconds'] as const)
      expect(predicted?.[figure]).toBeGreaterThan(0);
    const page = await readFile(path.join(out, 'report.html'), 'utf8');
    expect(page).toContain('Planned against measured');
    expect(page).toContain('cost per million images');

    // The API's estimate: the same plan, so the same prediction.
    const spec = resolveJobSpec({
      inputs: manifest,
      model: 'tiny',
      workers: 2,
      out: path.join(dir, 'api-predicted'),
    });
    const summary = await runJob(spec, { home, estimate: { profile: 'lambda-resnet50-3008' } });
    expect((await readJobRecord(summary.out)).plan?.predicted).toEqual(predicted);
    const { file } = await writeJobReport(summary.out);
    expect(await readFile(file, 'utf8')).toContain('Planned against measured');
  });
});

describe('replayDay', () => {
  it('runs a day of jobs given in memory with real job managers', async () => {
    const out = path.join(dir, 'day');
    const day = await replayDay({
      trace: [
        { arrivalSeconds: 0, images: 4 },
        { arrivalSeconds: 2, images: 9, datasetId: 'second' },
      ],
      job: resolveJobSpec({ inputs: manifest, model: 'tiny', mode: 'dynamic', workers: 2 }),
      maxWorkers: 2,
      speed: 4,
      out,
    });
    expect(day.file).toBe(path.join(out, 'day.json'));
    expect(day.report.trace).toEqual({ file: null, jobs: 2, malformedRows: 0 });
    expect(day.report.totals).toMatchObject({ jobs: 2, succeeded: 2, images: 13 });
    expect(day.report.jobs.map((j) => j.datasetId)).toEqual(['job-1', 'second']);
  });
});

describe('examples/run-job.ts', () => {
  it('runs a small job through the API and prints its summary', async () => {
    const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
    const folder = path.join(dir, 'example');
    const child = spawn(
      process.execPath,
      ['--import', tsx, path.join(repoRoot, 'examples', 'run-job.ts'), folder],
      {
        cwd: repoRoot,
        env: { ...process.env, OBIFAAS_HOME: home },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    expect(code, stderr).toBe(0);
    const summary = JSON.parse(stdout) as JobSummary;
    expect(summary).toMatchObject({ status: 'completed', inputs: 8, ok: 8 });
    expect(stderr).toMatch(/split \d+: 8\/8 images/);
    await expect(readFile(path.join(folder, 'job', 'report.html'), 'utf8')).resolves.toContain('<html');
  });
});
