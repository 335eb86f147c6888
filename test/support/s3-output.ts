/**
 * A real S3-protocol server (s3rver) with buckets `data` (holding the dataset, uploaded) and
 * `results`, reached by the CLI through a proxy that can fail or hold chosen requests, for the
 * tests of `--out s3://`. A test file runs `beforeAll(startS3Output)` and
 * `afterAll(stopS3Output)`; the bindings below are set by then.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import type { InputResult } from '../../src/core/prediction.js';
import { generateDataset, type GeneratedDataset } from '../../src/dataset/generate.js';
import { uploadDataset } from '../../src/dataset/upload.js';
import type { SplitLogLine } from '../../src/manager/result-sink.js';
import type { JobRecord } from '../../src/manager/types.js';
import { ensureBuiltinModel } from '../../src/models/cache.js';
import type { BlobStore } from '../../src/storage/blob-store.js';
import { openS3Store } from '../../src/storage/s3/s3-store.js';
import { expectEveryInputOnce } from './job-output.js';
import { startS3FaultProxy, type S3FaultProxy } from './s3-fault-proxy.js';
import {
  S3RVER_ACCESS_KEY_ID,
  S3RVER_SECRET_ACCESS_KEY,
  startS3rver,
  useS3rverCredentials,
  type S3rverHandle,
} from './s3rver.js';

export let dir: string;
export let home: string;
export let dataset: GeneratedDataset;
export let server: S3rverHandle;
export let proxy: S3FaultProxy;
export let results: BlobStore;
let restoreCredentials: () => void;
export let env: NodeJS.ProcessEnv;

/** What a job folder holds when the job ends (report.html included). */
export const JOB_FILES = [
  'invocations.jsonl',
  'job.json',
  'job.spec.json',
  'report.html',
  'results.jsonl',
  'splits.jsonl',
  'workers.log',
];

/** Starts s3rver (buckets `data` and `results`), the fault proxy before it, and uploads the dataset. */
export async function startS3Output(): Promise<void> {
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
}

/** Stops what {@link startS3Output} started and removes its folder. */
export async function stopS3Output(): Promise<void> {
  await results?.close();
  await proxy?.close();
  await server?.stop();
  restoreCredentials?.();
  await rm(dir, { recursive: true, force: true });
}

/** The keys under `prefix/` in the results bucket, relative to it. */
export async function keysUnder(prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const key of results.list(`${prefix}/`)) keys.push(key.slice(prefix.length + 1));
  return keys;
}

/** The text of the object `prefix/file` in the results bucket. */
export const objectText = async (prefix: string, file: string): Promise<string> =>
  (await results.get(`${prefix}/${file}`)).toString('utf8');

/** The JSON lines of a text. */
export const linesOf = <T>(text: string): T[] =>
  text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as T);

/** The object keys the job's PUT requests named, in order, from the proxy's log (from `from` on). */
export function putsUnder(prefix: string, from = 0): string[] {
  const pattern = new RegExp(`^PUT /results/${prefix}/([^?]+)`);
  return proxy.log.slice(from).flatMap((line) => {
    const match = pattern.exec(line);
    return match ? [decodeURIComponent(match[1] as string)] : [];
  });
}

/** The arguments of `obifaas run` of the dataset with the tiny model, out to `s3://results/<out>`. */
export const job = (out: string, extra: string[] = [], workers = 4): string[] =>
  runArgs(`s3://results/${out}`, extra, workers);

/** The arguments of `obifaas run` of the dataset with the tiny model, out to `out` (a folder or URL). */
export const runArgs = (out: string, extra: string[] = [], workers = 4): string[] => [
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
  out,
  '--json',
  ...extra,
];

/** Checks that the objects under `prefix` are a finished job's: every file, every input once. */
export async function expectUploadedJob(
  prefix: string,
  runs: number,
  keys = dataset.keys,
): Promise<JobRecord> {
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
