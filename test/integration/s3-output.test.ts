/**
 * `obifaas run --out s3://...` as a user runs it (the CLI in a child process) against a real
 * S3-protocol server (s3rver), reached through a proxy that can fail or hold chosen requests:
 * every file of the job folder ends up as an object (an embed job's `embeddings.parquet` too),
 * `results.jsonl` holds every input exactly once, an upload cut short by the service or by a
 * kill is completed by `--resume` without running the job again, and a lost staging folder is
 * restored from the uploaded objects.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InputResult } from '../../src/core/prediction.js';
import { generateDataset, type GeneratedDataset } from '../../src/dataset/generate.js';
import { uploadDataset } from '../../src/dataset/upload.js';
import type { SplitLogLine } from '../../src/manager/result-sink.js';
import type { JobRecord } from '../../src/manager/types.js';
import { ensureBuiltinModel } from '../../src/models/cache.js';
import type { BlobStore } from '../../src/storage/blob-store.js';
import { listFolderFiles } from '../../src/storage/folder-upload.js';
import { openS3Store } from '../../src/storage/s3/s3-store.js';
import { formatTraceCsv, generateTrace } from '../../src/trace/trace-gen.js';
import { expectEveryInputOnce } from '../support/job-output.js';
import { obifaas } from '../support/obifaas-cli.js';
import { startS3FaultProxy, type S3FaultProxy } from '../support/s3-fault-proxy.js';
import {
  S3RVER_ACCESS_KEY_ID,
  S3RVER_SECRET_ACCESS_KEY,
  startS3rver,
  useS3rverCredentials,
  type S3rverHandle,
} from '../support/s3rver.js';

let dir: string;
let home: string;
let dataset: GeneratedDataset;
let server: S3rverHandle;
let proxy: S3FaultProxy;
let results: BlobStore;
let restoreCredentials: () => void;
let env: NodeJS.ProcessEnv;

/** What a job folder holds when the job ends (report.html included). */
const JOB_FILES = [
  'invocations.jsonl',
  'job.json',
  'job.spec.json',
  'report.html',
  'results.jsonl',
  'splits.jsonl',
  'workers.log',
];

beforeAll(async () => {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  restoreCredentials = useS3rverCredentials();
  dir = await mkdtemp(path.join(os.tmpdir(), 'obifaas-s3-output-'));
  home = path.join(dir, 'home');
  await ensureBuiltinModel('tiny', { home });
  dataset = await generateDataset({ count: 24, outDir: path.join(dir, 'data'), seed: 5 });
  server = await startS3rver({ buckets: ['data', 'results'] });
  proxy = await startS3FaultProxy(server.endpoint);
  await uploadDataset({
    source: path.join(dir, 'data'),
    to: 's3://data/sets/small/',
    s3: { endpoint: server.endpoint },
  });
  results = await openS3Store({ type: 's3', bucket: 'results', endpoint: server.endpoint });
  env = {
    OBIFAAS_HOME: home,
    OBIFAAS_S3_ENDPOINT: proxy.endpoint,
    AWS_ACCESS_KEY_ID: S3RVER_ACCESS_KEY_ID,
    AWS_SECRET_ACCESS_KEY: S3RVER_SECRET_ACCESS_KEY,
    AWS_REGION: 'us-east-1',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
});
afterAll(async () => {
  await results?.close();
  await proxy?.close();
  await server?.stop();
  restoreCredentials?.();
  await rm(dir, { recursive: true, force: true });
});

async function keysUnder(prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const key of results.list(`${prefix}/`)) keys.push(key.slice(prefix.length + 1));
  return keys;
}

const objectText = async (prefix: string, file: string): Promise<string> =>
  (await results.get(`${prefix}/${file}`)).toString('utf8');

const linesOf = <T>(text: string): T[] =>
  text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as T);

/** The object keys the job's PUT requests named, in order, from the proxy's log (from `from` on). */
function putsUnder(prefix: string, from = 0): string[] {
  const pattern = new RegExp(`^PUT /results/${prefix}/([^?]+)`);
  return proxy.log.slice(from).flatMap((line) => {
    const match = pattern.exec(line);
    return match ? [decodeURIComponent(match[1] as string)] : [];
  });
}

const job = (out: string, extra: string[] = [], workers = 4): string[] => [
  'run',
  '--input',
  dataset.manifestPath,
  '--model',
  'tiny',
  '--intra-op-threads',
  '1',
  '--max-concurrency',
  '2',
  '--workers',
  String(workers),
  '--out',
  `s3://results/${out}`,
  '--json',
  ...extra,
];

/** Checks that the objects under `prefix` are a finished job's: every file, every input once. */
async function expectUploadedJob(prefix: string, runs: number, keys = dataset.keys): Promise<JobRecord> {
  expect(await keysUnder(prefix)).toEqual(JOB_FILES);
  const lines = linesOf<InputResult>(await objectText(prefix, 'results.jsonl'));
  expectEveryInputOnce(lines, keys);
  expect(lines.map((l) => l.key)).toEqual(keys);
  expect(lines.every((l) => l.error === null)).toBe(true);
  const record = JSON.parse(await objectText(prefix, 'job.json')) as JobRecord;
  expect(record.status).toBe('completed');
  expect(record.summary.out).toBe(`s3://results/${prefix}`);
  expect(record.runs).toHaveLength(runs);
  const splits = linesOf<SplitLogLine>(await objectText(prefix, 'splits.jsonl'));
  expect(new Set(splits.map((s) => s.splitId)).size).toBe(splits.length);
  // Credentials never reach a record, a log or the report.
  for (const file of JOB_FILES)
    expect(await objectText(prefix, file)).not.toContain(S3RVER_SECRET_ACCESS_KEY);
  return record;
}

describe('obifaas run --out s3://', () => {
  it('uploads every file of the job, with inputs read from S3 too, and removes its default staging folder', async () => {
    const run = await obifaas(
      [...job('happy').map((a) => (a === dataset.manifestPath ? 's3://data/sets/small/manifest.txt' : a))],
      { cwd: dir, env },
    );
    expect(run.code, run.stderr).toBe(0);
    const summary = JSON.parse(run.stdout) as Record<string, unknown>;
    expect(summary).toMatchObject({
      status: 'completed',
      inputs: 24,
      errors: 0,
      out: 's3://results/happy',
      upload: { status: 'uploaded', to: 's3://results/happy', files: JOB_FILES.length, staging: null },
    });
    // job.spec.json went up when the job started, and was not sent again.
    expect(putsUnder('happy').sort()).toEqual([...JOB_FILES].sort());
    expect(putsUnder('happy').at(-1)).toBe('job.json');
    const record = await expectUploadedJob(
      'happy',
      1,
      dataset.keys.map((k) => `sets/small/${k}`),
    );
    expect(record.inputs.location).toBe('s3://data/sets/small/manifest.txt');
    expect(await readdir(path.join(home, 'staging'))).toEqual([]);

    // The prefix now holds a job: a new job there is refused; --resume finds it complete.
    const again = await obifaas(job('happy'), { cwd: dir, env });
    expect(again.code).toBe(2);
    expect(again.stderr.trim()).toBe(
      "obifaas: out: s3://results/happy already holds a job; finish it with 'obifaas run --resume s3://results/happy' or choose another prefix",
    );
    const resumed = await obifaas(['run', '--resume', 's3://results/happy'], { cwd: dir, env });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(
      /staging folder .* was missing: restored 7 files from s3:\/\/results\/happy/,
    );
    expect(resumed.stdout).toMatch(
      /is already complete and uploaded to s3:\/\/results\/happy: nothing to resume/,
    );
  });

  it("uploads an embed job's embeddings.parquet, whose rows are the vectors its result lines point to", async () => {
    const run = await obifaas([...job('embed'), '--task', 'embed'], { cwd: dir, env });
    expect(run.code, run.stderr).toBe(0);
    const files = [...JOB_FILES, 'embeddings.parquet'].sort();
    expect(JSON.parse(run.stdout)).toMatchObject({
      status: 'completed',
      ok: 24,
      upload: { status: 'uploaded', files: files.length, staging: null },
    });
    // The vectors' staging file is gone before the upload: only the finished files go up.
    expect(await keysUnder('embed')).toEqual(files);
    expect(putsUnder('embed').at(-1)).toBe('job.json');
    const lines = linesOf<InputResult>(await objectText('embed', 'results.jsonl'));
    expectEveryInputOnce(lines, dataset.keys);
    const record = JSON.parse(await objectText('embed', 'job.json')) as JobRecord;
    expect(record.embeddings).toMatchObject({ rows: 24, dims: 1000 });

    const parquet = path.join(dir, 'embed-downloaded.parquet');
    await writeFile(parquet, await results.get('embed/embeddings.parquet'));
    const db = await DuckDBInstance.create(':memory:');
    const connection = await db.connect();
    try {
      const reader = await connection.runAndReadAll(
        `SELECT key, CAST(len(vector) AS INTEGER) AS dims FROM read_parquet('${parquet.replace(/'/g, "''")}')`,
      );
      const rows = reader.getRowObjectsJson() as unknown as Array<{ key: string; dims: number }>;
      expect(rows).toHaveLength(24);
      for (const line of lines) {
        expect(line.embedding?.dims, line.key).toBe(1000);
        expect(rows[line.embedding?.row ?? -1], line.key).toEqual({ key: line.key, dims: 1000 });
      }
    } finally {
      connection.closeSync();
    }
  });

  it('says the upload failed when the service refuses it, and --resume sends the rest without running the job', async () => {
    const staging = path.join(dir, 'staging-refused');
    let puts = 0;
    proxy.intercept(({ method, url }) => {
      if (method !== 'PUT' || !url.startsWith('/results/refused/')) return undefined;
      puts += 1;
      // The first PUT is job.spec.json, when the job starts; then two files go up, and no more.
      return puts > 3 ? { status: 403, code: 'AccessDenied', message: 'Access Denied' } : undefined;
    });
    const run = await obifaas(job('refused', ['--staging', staging]), { cwd: dir, env });
    proxy.intercept(undefined);
    expect(run.code, run.stderr).toBe(1);
    expect(JSON.parse(run.stdout)).toMatchObject({
      status: 'completed',
      upload: { status: 'failed', to: 's3://results/refused', sent: 2, files: JOB_FILES.length, staging },
    });
    expect(run.stderr).toMatch(/outputs not uploaded to s3:\/\/results\/refused: .*access denied/i);
    expect(run.stderr).toContain("Finish the upload with 'obifaas run --resume s3://results/refused'");
    expect((await stat(staging)).mode & 0o777).toBe(0o700);
    const before = await keysUnder('refused');
    expect(before).toEqual(['invocations.jsonl', 'job.spec.json', 'report.html']);
    expect(await listFolderFiles(staging)).toEqual(JOB_FILES);

    const from = proxy.log.length;
    const resumed = await obifaas(
      ['run', '--resume', 's3://results/refused', '--staging', staging, '--json'],
      {
        cwd: dir,
        env,
      },
    );
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(JSON.parse(resumed.stdout)).toMatchObject({
      status: 'completed',
      out: 's3://results/refused',
      upload: { status: 'uploaded', files: JOB_FILES.length, sent: 4, staging },
    });
    expect(putsUnder('refused', from)).toEqual(['results.jsonl', 'splits.jsonl', 'workers.log', 'job.json']);
    await expectUploadedJob('refused', 1);
  });

  it('completes an upload whose job manager was killed while it uploaded', async () => {
    const staging = path.join(dir, 'staging-killed');
    let child: ChildProcess | undefined;
    proxy.intercept(({ method, url }) => {
      if (method !== 'PUT' || !url.startsWith('/results/killed/results.jsonl')) return undefined;
      child?.kill('SIGKILL');
      return 'hold';
    });
    const run = await obifaas(job('killed', ['--staging', staging]), {
      cwd: dir,
      env,
      onSpawn: (c) => (child = c),
    });
    proxy.intercept(undefined);
    expect(run.signal, run.stderr).toBe('SIGKILL');
    expect(await keysUnder('killed')).toEqual(['invocations.jsonl', 'job.spec.json', 'report.html']);

    const from = proxy.log.length;
    const resumed = await obifaas(['run', '--resume', 's3://results/killed', '--staging', staging], {
      cwd: dir,
      env,
    });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(/finished its upload to s3:\/\/results\/killed \(4 of 7 files sent now\)/);
    expect(putsUnder('killed', from)).toEqual(['results.jsonl', 'splits.jsonl', 'workers.log', 'job.json']);
    const record = await expectUploadedJob('killed', 1);
    expect(record.splits.every((s) => s.run === undefined || s.run === 0)).toBe(true);
  });

  it('restores a lost staging folder from the uploaded objects and finishes a cancelled job', async () => {
    const staging = path.join(dir, 'staging-lost');
    const cancelAfterSplits = (c: ChildProcess): void => {
      const timer = setInterval(() => {
        void readFile(path.join(staging, 'splits.jsonl'), 'utf8')
          .catch(() => '')
          .then((text) => {
            if (text.split('\n').length - 1 >= 2 && c.exitCode === null) {
              clearInterval(timer);
              c.kill('SIGTERM');
            }
          });
      }, 20);
      c.once('exit', () => clearInterval(timer));
    };
    const slow = ['--delay-percent', '100', '--delay-max', '1s', '--fault-seed', '3'];
    const run = await obifaas(job('lost', ['--staging', staging, ...slow], 8), {
      cwd: dir,
      env,
      onSpawn: cancelAfterSplits,
    });
    expect(run.code, run.stderr).toBe(130);
    expect(JSON.parse(run.stdout)).toMatchObject({ status: 'cancelled', upload: { status: 'uploaded' } });
    const done = linesOf<SplitLogLine>(await objectText('lost', 'splits.jsonl'));
    expect(done.length).toBeGreaterThanOrEqual(2);
    expect(done.length).toBeLessThan(8);

    // A cancelled job's files (its report.html may be missing: see the report's own checks).
    const uploaded = await keysUnder('lost');
    expect(uploaded).toEqual(expect.arrayContaining(JOB_FILES.filter((f) => f !== 'report.html')));
    await rm(staging, { recursive: true });
    const resumed = await obifaas(['run', '--resume', 's3://results/lost', '--staging', staging, '--json'], {
      cwd: dir,
      env,
    });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(
      new RegExp(`staging folder .* was missing: restored ${uploaded.length} files from s3://results/lost`),
    );
    expect(resumed.stderr).toMatch(
      new RegExp(`resuming job .*: ${done.length} of 8 splits done, running ${8 - done.length}`),
    );
    expect(JSON.parse(resumed.stdout)).toMatchObject({
      status: 'completed',
      resumed: true,
      upload: { status: 'uploaded' },
    });
    const record = await expectUploadedJob('lost', 2);
    expect(record.splits.filter((s) => s.run === 1)).toHaveLength(8 - done.length);
  });
});

describe('other commands with --out s3://', () => {
  it('simulate uploads its day folder; results and report put one file; local-only outputs are refused', async () => {
    const rows = generateTrace({ jobs: 4, seed: 3, medianImages: 8, sizeSigma: 0.5, maxImages: 16 });
    await writeFile(path.join(dir, 'day.csv'), formatTraceCsv(rows));
    const simulate = await obifaas(
      [
        'simulate',
        'day.csv',
        '--profile',
        'lambda-resnet50-3008',
        '--out',
        's3://results/days/sim',
        '--json',
      ],
      { cwd: dir, env },
    );
    expect(simulate.code, simulate.stderr).toBe(0);
    expect(simulate.stderr).toMatch(/uploaded 3 files to s3:\/\/results\/days\/sim/);
    expect(await keysUnder('days/sim')).toEqual(['day.json', 'day.svg', 'report.html']);
    expect(putsUnder('days/sim').at(-1)).toBe('day.json');
    expect(JSON.parse(await objectText('days/sim', 'day.json'))).toMatchObject({ source: 'simulate' });

    // A job folder kept by --staging (the upload test above): its results and report, to S3.
    const job = path.join(dir, 'staging-refused');
    const exported = await obifaas(
      ['results', job, '--format', 'csv', '--out', 's3://results/exports/refused.csv', '--json'],
      { cwd: dir, env },
    );
    expect(exported.code, exported.stderr).toBe(0);
    expect(JSON.parse(exported.stdout)).toMatchObject({ file: 's3://results/exports/refused.csv', rows: 24 });
    const csv = (await results.get('exports/refused.csv')).toString('utf8');
    expect(csv.trim().split('\n')).toHaveLength(25);
    const report = await obifaas(['report', job, '--out', 's3://results/exports/refused.html'], {
      cwd: dir,
      env,
    });
    expect(report.code, report.stderr).toBe(0);
    expect(report.stdout).toMatch(/^wrote s3:\/\/results\/exports\/refused\.html/);
    expect((await results.get('exports/refused.html')).toString('utf8')).toMatch(/^<!doctype html>/i);

    const refused = await obifaas(['dataset', 'make', '--count', '2', '--out', 's3://results/ds'], {
      cwd: dir,
      env,
    });
    expect(refused.code).toBe(2);
    expect(refused.stderr.trim()).toBe(
      'obifaas: --out: a dataset (`obifaas dataset upload` copies one to S3) goes to a local path; s3:// outputs are taken by run, demo, replay, simulate, results and report (copy it with `aws s3 cp`)',
    );
  });
});
