/**
 * The Lambda backend through the real SDK against the local Lambda REST server, which runs our
 * Lambda entry (`worker/entry/lambda.ts`) in child-process containers: the shared conformance
 * suite, the REPORT figures in the stats, function errors, a throttling storm under a job, and
 * an embed job's vectors through Lambda responses, static and dynamic.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { readVectorsByKey } from '../support/parquet.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  describeBackendConformance,
  type BackendConformanceFixture,
} from '../../src/backends/conformance.js';
import { LambdaBackend } from '../../src/backends/lambda/lambda-backend.js';
import { LocalBackend } from '../../src/backends/local/local-backend.js';
import { generateDataset } from '../../src/dataset/generate.js';
import { runJob } from '../../src/manager/run-job.js';
import { ensureBuiltinModel } from '../../src/models/cache.js';
import { compileJobSpec } from '../../src/spec/compile.js';
import type { WorkerPayload } from '../../src/protocol/invocation.js';
import {
  startLambdaServer,
  useLambdaTestCredentials,
  type LambdaServerHandle,
} from '../support/lambda-server.js';
import { runCli } from '../support/run-cli.js';
import { testAccessEnv } from '../support/function-access.js';
import { readResults } from '../support/job-output.js';

const FUNCTION = 'obifaas-worker-3008';
let dir: string;
let server: LambdaServerHandle;
let restoreEnv: () => void;
let fx: BackendConformanceFixture & { manifest: string };
const fast = { maxAttempts: 10, baseDelayMs: 20, maxDelayMs: 200 };

const setup = (async () => {
  restoreEnv = useLambdaTestCredentials();
  dir = await mkdtemp(path.join(os.tmpdir(), 'obifaas-lambda-backend-'));
  const model = await ensureBuiltinModel('tiny', { home: dir });
  const data = await generateDataset({ count: 8, outDir: path.join(dir, 'data'), seed: 5 });
  fx = {
    storage: { type: 'fs', root: path.dirname(data.manifestPath) },
    keys: data.keys,
    model: { uri: model },
    manifest: data.manifestPath,
  };
  server = await startLambdaServer({
    functions: [{ name: FUNCTION, memoryMb: 3008, timeoutS: 60 }],
    // Deployed to read the test's folder, as `obifaas deploy --allow-read` would.
    env: { ...process.env, ...testAccessEnv({ read: [dir] }) },
  });
})();

const backendFor = (maxConcurrency: number): LambdaBackend =>
  new LambdaBackend({
    memoryMb: 3008,
    endpoint: server.endpoint,
    region: 'us-east-1',
    maxConcurrency,
    retry: fast,
  });

describeBackendConformance('lambda (local Lambda REST server)', {
  createBackend: async ({ maxConcurrency }) => {
    await setup;
    return backendFor(maxConcurrency);
  },
  fixture: async () => {
    await setup;
    return fx;
  },
});

describe('lambda backend details', () => {
  beforeAll(async () => {
    await setup;
  });
  afterAll(async () => {
    await server?.stop();
    restoreEnv?.();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const work = (workerId: string, keys: string[]): WorkerPayload => ({
    kind: 'static',
    jobId: 'j',
    workerId,
    model: fx.model,
    storage: fx.storage,
    pipeline: {
      load: { concurrency: 2 },
      preprocess: { concurrency: 1 },
      predict: { batchSize: 4, intraOpThreads: 1, interOpThreads: 1, replicas: 1 },
      topK: 2,
    },
    splits: [{ splitId: workerId, keys }],
  });

  it('sends synchronous invokes with a log tail and reads the REPORT figures into the stats', async () => {
    const backend = backendFor(1);
    try {
      const before = server.requests.length;
      const inv = await backend.invoke(work('r0', fx.keys.slice(0, 2)));
      expect(inv.ok, inv.ok ? '' : inv.error.message).toBe(true);
      const sent = server.requests.slice(before).filter((r) => r.operation === 'Invoke');
      expect(sent).toHaveLength(1);
      expect(sent[0]).toMatchObject({
        path: `/2015-03-31/functions/${FUNCTION}/invocations`,
        invocationType: 'RequestResponse',
        logType: 'Tail',
        status: 200,
      });
      const { stats } = inv;
      expect(stats.memoryMb).toBe(3008);
      expect(stats.billedMs).toBe(Math.ceil(stats.durationMs));
      expect(stats.maxMemoryUsedMb).toBeGreaterThan(10);
      expect(stats.endedAt - stats.startedAt).toBeGreaterThanOrEqual(Math.floor(stats.durationMs) - 1);
    } finally {
      await backend.close();
    }
  });

  it('reports init time on a cold container and none on a warm one', async () => {
    const fresh = await startLambdaServer({ functions: [{ name: 'obifaas-worker-1769', memoryMb: 1769 }] });
    const backend = new LambdaBackend({
      memoryMb: 1769,
      endpoint: fresh.endpoint,
      region: 'us-east-1',
      maxConcurrency: 1,
    });
    try {
      const first = await backend.invoke({ kind: 'ping' });
      const second = await backend.invoke({ kind: 'ping' });
      expect(first.stats.cold).toBe(true);
      expect(first.stats.initMs).toBeGreaterThan(0);
      expect(second.stats.cold).toBe(false);
      expect(second.stats.initMs).toBe(0);
      expect(fresh.containerPids('obifaas-worker-1769')).toHaveLength(1);
    } finally {
      await backend.close();
      await fresh.stop();
    }
  });

  it("turns a function error into a failed invocation carrying the function's message", async () => {
    const backend = backendFor(1);
    try {
      const inv = await backend.invoke({ kind: 'bogus' } as unknown as WorkerPayload);
      expect(inv.ok).toBe(false);
      if (inv.ok) return;
      expect(inv.error.message).toMatch(
        /^SpecError: invalid worker payload: kind: expected one of 'ping', 'static', 'dynamic', got /,
      );
      expect((inv.error as { retryable?: boolean }).retryable).toBe(false);
      const last = server.requests.filter((r) => r.operation === 'Invoke').at(-1);
      expect(last?.status).toBe(200);
    } finally {
      await backend.close();
    }
  });

  it('rides out a throttling storm under a job: backoff, every input classified, none lost', async () => {
    const backend = new LambdaBackend({
      memoryMb: 3008,
      endpoint: server.endpoint,
      region: 'us-east-1',
      maxConcurrency: 4,
      retry: { maxAttempts: 30, baseDelayMs: 10, maxDelayMs: 100 },
    });
    server.setThrottle({ firstRequests: 10, fraction: 0.4, seed: 7 });
    try {
      const spec = compileJobSpec(
        { inputs: fx.manifest, model: fx.model.uri, workers: 8, out: path.join(dir, 'storm'), topK: 1 },
        { cores: 2, now: new Date(), cwd: dir },
      );
      const { summary } = await runJob(spec, { backend });
      expect(backend.counters.throttled).toBeGreaterThanOrEqual(10);
      expect(backend.counters.retries).toBe(backend.counters.throttled);
      expect(summary.status).toBe('completed');
      expect(summary.failedInvocations).toBe(0);
      const lines = (await readFile(path.join(dir, 'storm', 'results.jsonl'), 'utf8')).trim().split('\n');
      const results = lines.map(
        (l) => JSON.parse(l) as { key: string; top: unknown[] | null; error: string | null },
      );
      expect(results.map((r) => r.key).sort()).toEqual([...fx.keys].sort());
      for (const r of results) expect(r.error).toBeNull();
    } finally {
      server.setThrottle(undefined);
      await backend.close();
    }
  });

  it('runs `obifaas run` with a lambda backend from a config file; job.json holds no secret', async () => {
    const out = path.join(dir, 'cli-job');
    const config = path.join(dir, 'lambda.yaml');
    await writeFile(
      config,
      [
        'backend:',
        '  type: lambda',
        `  endpoint: ${server.endpoint}`,
        '  region: us-east-1',
        '  memoryMb: 3008',
        '  maxConcurrency: 3',
        '  retry: { baseDelay: 20ms, maxDelay: 200ms }',
      ].join('\n'),
    );
    const run = await runCli([
      'run',
      '--config',
      config,
      '--input',
      fx.manifest,
      '--model',
      fx.model.uri,
      '--workers',
      '3',
      '--out',
      out,
      '--json',
    ]);
    expect(run.code, run.stderr).toBe(0);
    const summary = JSON.parse(run.stdout.trim().split('\n').pop()!) as Record<string, unknown>;
    expect(summary).toMatchObject({
      backend: 'lambda',
      status: 'completed',
      inputs: 8,
      ok: 8,
      memoryMb: 3008,
    });
    const record = await readFile(path.join(out, 'job.json'), 'utf8');
    expect(record).not.toContain(process.env.AWS_SECRET_ACCESS_KEY!);
    const parsed = JSON.parse(record) as {
      invocations: Array<{ billedMs: number; memoryMb: number; maxMemoryUsedMb?: number }>;
    };
    for (const inv of parsed.invocations) {
      expect(inv.memoryMb).toBe(3008);
      expect(inv.maxMemoryUsedMb).toBeGreaterThan(0);
    }
    // The function's log tails land in the job's workers.log.
    expect(await readFile(path.join(out, 'workers.log'), 'utf8')).toMatch(
      /REPORT RequestId: \S+\tDuration: /,
    );
  });

  it('gives up on a storm that outlasts its attempts with a retryable failure', async () => {
    const backend = new LambdaBackend({
      memoryMb: 3008,
      endpoint: server.endpoint,
      region: 'us-east-1',
      maxConcurrency: 1,
      retry: { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 10 },
    });
    server.setThrottle({ fraction: 1, retryAfterSeconds: 0 });
    try {
      const inv = await backend.invoke({ kind: 'ping' });
      expect(inv.ok).toBe(false);
      if (inv.ok) return;
      expect(inv.error.message).toMatch(/throttled.*gave up after 3 attempts/);
      expect((inv.error as { retryable?: boolean }).retryable).toBe(true);
      expect(backend.counters).toMatchObject({ requests: 3, throttled: 3, retries: 2 });
    } finally {
      server.setThrottle(undefined);
      await backend.close();
    }
  });
  it("carries an embed job's vectors in Lambda responses, static and dynamic, equal to local processes'", async () => {
    const task = { kind: 'embed', normalize: true };
    const jobs: Array<[string, Record<string, unknown>, LambdaBackend | LocalBackend]> = [
      ['local', { workers: 2 }, new LocalBackend({ maxConcurrency: 2, log: { write: () => true } })],
      ['lambda-static', { workers: 3 }, backendFor(3)],
      ['lambda-dynamic', { mode: 'dynamic', splitSize: 3, workers: 2 }, backendFor(2)],
    ];
    const found = new Map<string, Map<string, number[]>>();
    for (const [name, options, backend] of jobs) {
      const out = path.join(dir, `embed-${name}`);
      const spec = compileJobSpec(
        { inputs: fx.manifest, model: fx.model.uri, task, out, ...options },
        { cores: 2, now: new Date(), cwd: dir },
      );
      try {
        const { summary, record } = await runJob(spec, { backend });
        expect(summary, name).toMatchObject({ status: 'completed', ok: 8, errors: 0 });
        expect(record.embeddings, name).toMatchObject({ rows: 8, dims: 1000 });
      } finally {
        await backend.close();
      }
      const lines = await readResults(out);
      expect(lines.map((l) => l.key).sort(), name).toEqual([...fx.keys].sort());
      for (const line of lines) expect(line.embedding?.dims, `${name} ${line.key}`).toBe(1000);
      found.set(name, await readVectorsByKey(out));
    }
    const reference = found.get('local') as Map<string, number[]>;
    for (const vector of reference.values()) expect(Math.hypot(...vector)).toBeCloseTo(1, 5);
    for (const [name, byKey] of found) {
      expect([...byKey.keys()].sort(), name).toEqual([...fx.keys].sort());
      let maxDiff = 0;
      for (const [key, vector] of reference) {
        const other = byKey.get(key) ?? [];
        expect(other, `${name} ${key}`).toHaveLength(1000);
        vector.forEach((v, i) => (maxDiff = Math.max(maxDiff, Math.abs(v - (other[i] as number)))));
      }
      expect(maxDiff, name).toBeLessThanOrEqual(1e-6);
    }
  });
});
