/**
 * `obifaas run --resume --retry-errors` of an embed job, through the built CLI and its local
 * functions: the dataset is read from s3rver through a proxy that answers 503 SlowDown to every
 * GET of a chosen key (a passing read error), with a tiny embed model (12 values per input). The
 * retried input's vector joins the job's `embeddings.parquet`, every other vector as it was, one
 * row per ok input; a retry killed after its record swap, then resumed, reads only that input;
 * and a job whose output is `s3://` uploads the new vectors.
 */
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InvocationRecord } from '../../src/manager/types.js';
import { readEmbeddings, type JobEmbeddings } from '../../src/report/results/read-embeddings.js';
import { openS3Store } from '../../src/storage/s3/s3-store.js';
import { expectEveryInputOnce, readJsonl, readResults } from '../support/job-output.js';
import { obifaasKilledAtRequest } from '../support/killed-at-request.js';
import { obifaas } from '../support/obifaas-cli.js';
import {
  dir,
  env,
  keysUnder,
  proxy,
  results,
  server,
  startS3Output,
  stopS3Output,
} from '../support/s3-output.js';
import { twoOutputModel } from '../support/task-models.js';

let model: string;
/** The job's keys, in input order: 24 images in 3 splits of 8. */
let keys: string[];

beforeAll(async () => {
  await startS3Output();
  model = path.join(dir, 'embed.onnx');
  await writeFile(model, twoOutputModel());
  const data = await openS3Store({ type: 's3', bucket: 'data', endpoint: server.endpoint });
  try {
    const listed = (await data.get('sets/small/manifest.txt')).toString('utf8');
    keys = listed
      .split('\n')
      .filter((l) => l !== '' && !l.startsWith('#'))
      .map((k) => `sets/small/${k}`);
  } finally {
    await data.close();
  }
}, 120_000);
afterAll(stopS3Output);

const embedJob = (out: string): string[] => [
  'run',
  '--input',
  's3://data/sets/small/manifest.txt',
  '--model',
  model,
  '--task',
  'embed',
  '--output',
  'features',
  '--intra-op-threads',
  '1',
  '--max-concurrency',
  '2',
  '--workers',
  '3',
  '--max-retries',
  '0',
  '--out',
  out,
  '--json',
];

/** GETs of `key` in the proxy's log (from `from` on). */
const getsOf = (key: string, from = 0): number =>
  proxy.log.slice(from).filter((line) => line.startsWith(`GET /data/${key}`)).length;

/** Answers SlowDown to every GET of `key` until the proxy is told otherwise. */
function throttle(key: string): void {
  proxy.intercept(({ method, url }) =>
    method === 'GET' && url.startsWith(`/data/${key}`)
      ? { status: 503, code: 'SlowDown', message: 'Please reduce your request rate.' }
      : undefined,
  );
}

/** Runs the embed job with `key` throttled throughout: it completes with that input's passing error. */
async function jobWithPassingError(out: string, key: string): Promise<JobEmbeddings> {
  throttle(key);
  const run = await obifaas(embedJob(out), { cwd: dir, env });
  proxy.intercept(undefined);
  expect(JSON.parse(run.stdout), run.stderr).toMatchObject({ status: 'completed', errors: 1 });
  const local = out.startsWith('s3://') ? await download(out) : out;
  expect((await readResults(local)).find((l) => l.key === key)).toMatchObject({ errorKind: 'passing' });
  const before = await readEmbeddings(local);
  expect(before.keys).toEqual(keys.filter((k) => k !== key));
  return before;
}

/** Every input has a line and a vector; the ones kept are the vectors `before` had. */
async function expectEveryVector(folder: string, before: JobEmbeddings, retried: string): Promise<void> {
  const lines = await readResults(folder);
  expectEveryInputOnce(lines, keys);
  expect(lines.map((l) => l.key)).toEqual(keys);
  expect(lines.filter((l) => l.error !== null)).toEqual([]);
  const after = await readEmbeddings(folder);
  expect(after.keys).toEqual(keys);
  expect(after.dims).toBe(12);
  const was = new Map(before.keys.map((k, i) => [k, Array.from(before.vectors[i] as Float32Array)]));
  after.keys.forEach((key, i) => {
    if (key !== retried) expect(Array.from(after.vectors[i] as Float32Array), key).toEqual(was.get(key));
  });
}

/** The invocations that ended (`invocations.jsonl` logs each one's start, then its end). */
async function endedInvocations(out: string): Promise<InvocationRecord[]> {
  const lines = await readJsonl<InvocationRecord & { event: string }>(path.join(out, 'invocations.jsonl'));
  return lines.filter((line) => line.event === 'ended');
}

/** The objects under `s3://results/PREFIX`, copied to a folder of the test's. */
async function download(uri: string): Promise<string> {
  const prefix = uri.slice('s3://results/'.length);
  const folder = path.join(dir, 'downloaded', prefix, String(Date.now()));
  await mkdir(folder, { recursive: true });
  for (const file of await keysUnder(prefix))
    await writeFile(path.join(folder, file), await results.get(`${prefix}/${file}`));
  return folder;
}

/** What a completed embed job's folder holds, the report aside. */
const COMPLETE_EMBED_FILES = [
  'embeddings.parquet',
  'invocations.jsonl',
  'job.json',
  'job.spec.json',
  'results.jsonl',
  'splits.jsonl',
  'workers.log',
];
const withoutReport = (files: string[]): string[] => files.filter((f) => f !== 'report.html').sort();

describe('--retry-errors of an embed job', () => {
  it("reads only the input with a passing error again; its vector joins the others' in embeddings.parquet", async () => {
    const out = path.join(dir, 'embed-retried');
    const throttled = keys[3] as string;
    const before = await jobWithPassingError(out, throttled);

    const from = proxy.log.length;
    const run = await obifaas(['run', '--resume', out, '--retry-errors', '--json'], { cwd: dir, env });
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({
      status: 'completed',
      retriedErrors: { inputs: 1, ok: 1 },
    });
    expect(getsOf(throttled, from)).toBe(1);
    expect(keys.filter((k) => k !== throttled && getsOf(k, from) > 0)).toEqual([]);
    await expectEveryVector(out, before, throttled);
    expect(withoutReport(await readdir(out))).toEqual(COMPLETE_EMBED_FILES);
  });

  it('killed after its record swap: --resume reads only the input that had failed, and every vector is kept', async () => {
    const out = path.join(dir, 'embed-killed');
    const throttled = keys[5] as string;
    const before = await jobWithPassingError(out, throttled);
    const killed = await obifaasKilledAtRequest(
      proxy,
      { method: 'GET', pathPrefix: `/data/${throttled}` },
      ['run', '--resume', out, '--retry-errors'],
      { cwd: dir, env },
    );
    expect(killed.signal, killed.stderr).toBe('SIGKILL');
    // Swapped: the kept vectors staged again, the held ones with split 0's lines, the old file gone.
    const files = await readdir(out);
    expect(files).toEqual(expect.arrayContaining(['embeddings.staging.jsonl', 'retry-errors.jsonl']));
    expect(files).not.toContain('embeddings.parquet');

    const from = proxy.log.length;
    const earlier = (await endedInvocations(out)).length;
    const resumed = await obifaas(['run', '--resume', out, '--json'], { cwd: dir, env });
    expect(JSON.parse(resumed.stdout), resumed.stderr).toMatchObject({
      status: 'completed',
      errors: 0,
      retriedErrors: { inputs: 1, ok: 1 },
    });
    expect(getsOf(throttled, from)).toBe(1);
    expect(keys.filter((k) => k !== throttled && getsOf(k, from) > 0)).toEqual([]);
    expect((await endedInvocations(out)).slice(earlier)).toMatchObject([{ ok: true, splitIds: ['0'] }]);
    await expectEveryVector(out, before, throttled);
    expect(withoutReport(await readdir(out))).toEqual(COMPLETE_EMBED_FILES);
  });

  it('--resume s3://... --retry-errors: the new vectors file is uploaded, one row per input', async () => {
    const uri = 's3://results/embed-retry';
    const throttled = keys[12] as string;
    const before = await jobWithPassingError(uri, throttled);

    const from = proxy.log.length;
    const run = await obifaas(['run', '--resume', uri, '--retry-errors', '--json'], { cwd: dir, env });
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({
      status: 'completed',
      out: uri,
      retriedErrors: { inputs: 1, ok: 1 },
      upload: { status: 'uploaded' },
    });
    expect(getsOf(throttled, from)).toBe(1);
    const uploaded = await download(uri);
    expect(withoutReport(await readdir(uploaded))).toEqual(COMPLETE_EMBED_FILES);
    await expectEveryVector(uploaded, before, throttled);
  });
});
