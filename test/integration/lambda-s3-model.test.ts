/**
 * The Lambda entry with a model, labels and inputs kept in S3 (s3rver), through the Lambda
 * backend and the local Lambda server: the container downloads the model into its cache folder
 * once, warm invocations reuse it, and a model missing from the bucket is a clear, non-retryable
 * failure. The job manager reads `--labels s3://...` through the same storage code: remote
 * functions get the URI, local ones a downloaded copy, and a missing labels object stops the
 * job before any function starts.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LambdaBackend } from '../../src/backends/lambda/lambda-backend.js';
import { generateDataset } from '../../src/dataset/generate.js';
import { BackendError } from '../../src/errors.js';
import { resolveInputs } from '../../src/dataset/inputs.js';
import { runJob } from '../../src/manager/run-job.js';
import { ensureBuiltinModel } from '../../src/models/cache.js';
import { compileJobSpec } from '../../src/spec/compile.js';
import { openS3Store } from '../../src/storage/s3/s3-store.js';
import type { StorageRef } from '../../src/core/storage-ref.js';
import type { WorkerPayload } from '../../src/protocol/invocation.js';
import {
  startLambdaServer,
  useLambdaTestCredentials,
  type LambdaServerHandle,
} from '../support/lambda-server.js';
import {
  S3RVER_ACCESS_KEY_ID,
  S3RVER_SECRET_ACCESS_KEY,
  startS3rver,
  type S3rverHandle,
} from '../support/s3rver.js';
import { testAccessEnv } from '../support/function-access.js';

let dir: string;
let cache: string;
let s3: S3rverHandle;
let server: LambdaServerHandle;
let restoreEnv: () => void;
let keys: string[];
let storage: StorageRef;
/** One name per class of the tiny model. */
const LABELS = Array.from({ length: 1000 }, (_, i) => `class-${i}`);

beforeAll(async () => {
  restoreEnv = useLambdaTestCredentials(S3RVER_ACCESS_KEY_ID);
  process.env.AWS_SECRET_ACCESS_KEY = S3RVER_SECRET_ACCESS_KEY;
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'obifaas-lambda-s3-'));
  cache = path.join(dir, 'function-tmp');
  s3 = await startS3rver({ buckets: ['jobs'] });
  storage = { type: 's3', bucket: 'jobs', endpoint: s3.endpoint, forcePathStyle: true };
  const store = await openS3Store(storage);
  const model = await ensureBuiltinModel('tiny', { home: dir });
  await store.put('models/tiny.onnx', await fs.readFile(model));
  await store.put('models/labels.txt', Buffer.from(LABELS.join('\n') + '\n'));
  const data = await generateDataset({ count: 3, outDir: path.join(dir, 'data'), seed: 4 });
  for (const key of data.keys)
    await store.put(`images/${key}`, await fs.readFile(path.join(path.dirname(data.manifestPath), key)));
  await store.close();
  keys = data.keys.map((k) => `images/${k}`);
  server = await startLambdaServer({
    accessKeyId: S3RVER_ACCESS_KEY_ID,
    functions: [{ name: 'obifaas-worker-1769', memoryMb: 1769, timeoutS: 60 }],
    env: {
      ...process.env,
      OBIFAAS_MODEL_CACHE: cache,
      ...testAccessEnv({ buckets: ['jobs'], s3Endpoint: s3.endpoint }),
    },
  });
});
afterAll(async () => {
  await server?.stop();
  await s3?.stop();
  restoreEnv?.();
  if (dir) await fs.rm(dir, { recursive: true, force: true });
});

const payload = (workerId: string, modelUri: string): WorkerPayload => ({
  kind: 'static',
  jobId: 's3',
  workerId,
  model: { uri: modelUri },
  storage,
  pipeline: {
    load: { concurrency: 3 },
    preprocess: { concurrency: 1 },
    predict: { batchSize: 3, intraOpThreads: 1, interOpThreads: 1, replicas: 1 },
    topK: 1,
  },
  splits: [{ splitId: workerId, keys }],
});

describe('lambda entry with S3', () => {
  it('fetches the model from S3 once per container and classifies inputs read from S3', async () => {
    const backend = new LambdaBackend({
      memoryMb: 1769,
      endpoint: server.endpoint,
      region: 'us-east-1',
      maxConcurrency: 1,
    });
    try {
      const first = await backend.invoke(payload('a', 's3://jobs/models/tiny.onnx'));
      expect(first.ok, first.ok ? '' : first.error.message).toBe(true);
      if (!first.ok) return;
      expect(first.stats.cold).toBe(true);
      expect(first.result.timings.cold).toBe(true);
      const results = first.result.splits[0]!.results;
      expect(results.map((r) => r.key)).toEqual(keys);
      for (const r of results) expect(r.top).toHaveLength(1);
      const cached = (await fs.readdir(cache)).filter((f) => f.endsWith('.onnx'));
      expect(cached).toHaveLength(1);
      const before = (await fs.stat(path.join(cache, cached[0]!))).mtimeMs;

      const second = await backend.invoke(payload('b', 's3://jobs/models/tiny.onnx'));
      expect(second.ok).toBe(true);
      if (!second.ok) return;
      expect(second.stats.cold).toBe(false);
      expect(second.result.timings).toMatchObject({ cold: false, modelLoadMs: 0 });
      expect((await fs.stat(path.join(cache, cached[0]!))).mtimeMs).toBe(before);
    } finally {
      await backend.close();
    }
  });

  it('runs whole jobs with inputs and model in S3: lambda functions get the s3:// model, local ones a downloaded copy', async () => {
    const inputs = await resolveInputs('s3://jobs/images/', {
      s3: { endpoint: s3.endpoint, forcePathStyle: true },
    });
    const context = { cores: 2, now: new Date(), cwd: dir };
    const home = path.join(dir, 'home');
    const lambdaSpec = compileJobSpec(
      {
        inputs: 's3://jobs/images/',
        model: 's3://jobs/models/tiny.onnx',
        workers: 2,
        topK: 1,
        out: path.join(dir, 'job-lambda'),
        backend: { type: 'lambda', endpoint: server.endpoint, region: 'us-east-1', memoryMb: 1769 },
      },
      context,
    );
    const onLambda = await runJob(lambdaSpec, { inputs, home });
    expect(onLambda.summary).toMatchObject({ status: 'completed', backend: 'lambda', ok: 3, errors: 0 });
    expect(onLambda.record.model.path).toBe('s3://jobs/models/tiny.onnx');
    // The digest of the object's bytes, read once through the job manager's cached copy; each
    // lambda function checked the copy it fetched against it.
    const bytes = await fs.readFile(await ensureBuiltinModel('tiny', { home: dir }));
    const uploaded = createHash('sha256').update(bytes).digest('hex');
    expect(onLambda.record.model.sha256).toBe(uploaded);
    const checks = onLambda.record.invocations.map((i) => i.timings?.modelDigest);
    expect(checks).toContain('hashed');
    for (const check of checks) expect(['hashed', 'kept']).toContain(check);

    const localSpec = compileJobSpec(
      {
        inputs: 's3://jobs/images/',
        model: 's3://jobs/models/tiny.onnx',
        workers: 1,
        topK: 1,
        out: path.join(dir, 'job-local'),
        backend: { type: 'local', maxConcurrency: 1 },
      },
      context,
    );
    const onLocal = await runJob(localSpec, { inputs, home });
    expect(onLocal.summary).toMatchObject({ status: 'completed', backend: 'local', ok: 3 });
    expect(onLocal.record.model.path.startsWith(path.join(home, 'remote-models'))).toBe(true);
    expect(onLocal.record.model.sha256).toBe(uploaded);
  });

  it('fails clearly, without retries, when the model is not in the bucket', async () => {
    const backend = new LambdaBackend({
      memoryMb: 1769,
      endpoint: server.endpoint,
      region: 'us-east-1',
      maxConcurrency: 1,
    });
    try {
      const inv = await backend.invoke(payload('c', 's3://jobs/models/missing.onnx'));
      expect(inv.ok).toBe(false);
      if (inv.ok) return;
      expect(inv.error.message).toMatch(
        /^ModelError: model\.uri: s3:\/\/jobs\/models\/missing\.onnx: .*missing\.onnx/,
      );
      expect((inv.error as BackendError).retryable).toBe(false);
    } finally {
      await backend.close();
    }
  });
});

describe('--labels s3://... (read through storage)', () => {
  const jobSpec = (backend: Record<string, unknown>, out: string, labels = 's3://jobs/models/labels.txt') =>
    compileJobSpec(
      {
        inputs: 's3://jobs/images/',
        model: 's3://jobs/models/tiny.onnx',
        labels,
        workers: 1,
        topK: 2,
        out: path.join(dir, out),
        backend,
      },
      { cores: 2, now: new Date(), cwd: dir },
    );
  const s3Inputs = () =>
    resolveInputs('s3://jobs/images/', { s3: { endpoint: s3.endpoint, forcePathStyle: true } });
  const expectLabelled = async (out: string): Promise<void> => {
    const lines = (await fs.readFile(path.join(dir, out, 'results.jsonl'), 'utf8')).trim().split('\n');
    expect(lines).toHaveLength(3);
    for (const line of lines) {
      const { top, error } = JSON.parse(line) as {
        top: Array<{ class: number; label?: string }>;
        error: null;
      };
      expect(error).toBeNull();
      for (const t of top) expect(t.label).toBe(`class-${t.class}`);
    }
  };

  it('lambda functions get the s3:// labels and fetch them themselves', async () => {
    const home = path.join(dir, 'home-labels-lambda');
    const spec = jobSpec(
      { type: 'lambda', endpoint: server.endpoint, region: 'us-east-1', memoryMb: 1769 },
      'labels-lambda',
    );
    const { summary, record } = await runJob(spec, { inputs: await s3Inputs(), home });
    expect(summary).toMatchObject({ status: 'completed', ok: 3, errors: 0 });
    expect(record.model).toMatchObject({ labelsUri: 's3://jobs/models/labels.txt' });
    expect(record.model.labelsPath).toBeUndefined();
    await expectLabelled('labels-lambda');
  });

  it('local functions get a copy the job manager downloaded', async () => {
    const home = path.join(dir, 'home-labels-local');
    const spec = jobSpec({ type: 'local', maxConcurrency: 1 }, 'labels-local');
    const { summary, record } = await runJob(spec, { inputs: await s3Inputs(), home });
    expect(summary).toMatchObject({ status: 'completed', ok: 3, errors: 0 });
    expect(record.model.labelsPath?.startsWith(path.join(home, 'remote-models'))).toBe(true);
    expect(await fs.readFile(record.model.labelsPath!, 'utf8')).toBe(LABELS.join('\n') + '\n');
    await expectLabelled('labels-local');
  });

  it('refuses labels missing from the bucket before any function starts', async () => {
    const spec = jobSpec(
      { type: 'lambda', endpoint: server.endpoint, region: 'us-east-1', memoryMb: 1769 },
      'labels-missing',
      's3://jobs/models/nope.txt',
    );
    const invokes = server.requests.filter((r) => r.operation === 'Invoke').length;
    await expect(
      runJob(spec, { inputs: await s3Inputs(), home: path.join(dir, 'home-missing') }),
    ).rejects.toThrow(/^labels s3:\/\/jobs\/models\/nope\.txt: /);
    await expect(fs.stat(path.join(dir, 'labels-missing'))).rejects.toThrow(/ENOENT/);
    expect(server.requests.filter((r) => r.operation === 'Invoke').length).toBe(invokes);
  });
});
