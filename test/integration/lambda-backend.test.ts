/**
 * The Lambda backend through the real SDK against the local Lambda REST server, which runs our
 * Lambda entry (`worker/entry/lambda.ts`) in child-process containers: the shared conformance
 * suite, the REPORT figures in the stats, cold and warm starts, function errors, and a throttling
 * storm under a job (`lambda-backend-jobs.test.ts`: the CLI, a storm that outlasts its retries,
 * embed jobs).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeBackendConformance } from '../../src/backends/conformance.js';
import { LambdaBackend } from '../../src/backends/lambda/lambda-backend.js';
import { runJob } from '../../src/manager/run-job.js';
import type { WorkerPayload } from '../../src/protocol/invocation.js';
import { compileJobSpec } from '../../src/spec/compile.js';
import { startLambdaServer } from '../support/lambda-server.js';
import { backendFor, FUNCTION, lambdaWorldReady, stopLambdaWorld, world } from '../support/lambda-backend.js';

describeBackendConformance('lambda (local Lambda REST server)', {
  createBackend: async ({ maxConcurrency }) => {
    await lambdaWorldReady();
    return backendFor(maxConcurrency);
  },
  fixture: async () => {
    await lambdaWorldReady();
    return world.fx;
  },
});

describe('lambda backend details', () => {
  beforeAll(lambdaWorldReady);
  afterAll(stopLambdaWorld);

  const work = (workerId: string, keys: string[]): WorkerPayload => ({
    kind: 'static',
    jobId: 'j',
    workerId,
    model: world.fx.model,
    storage: world.fx.storage,
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
      const before = world.server.requests.length;
      const inv = await backend.invoke(work('r0', world.fx.keys.slice(0, 2)));
      expect(inv.ok, inv.ok ? '' : inv.error.message).toBe(true);
      const sent = world.server.requests.slice(before).filter((r) => r.operation === 'Invoke');
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
      const last = world.server.requests.filter((r) => r.operation === 'Invoke').at(-1);
      expect(last?.status).toBe(200);
    } finally {
      await backend.close();
    }
  });

  it('rides out a throttling storm under a job: backoff, every input classified, none lost', async () => {
    const backend = new LambdaBackend({
      memoryMb: 3008,
      endpoint: world.server.endpoint,
      region: 'us-east-1',
      maxConcurrency: 4,
      retry: { maxAttempts: 30, baseDelayMs: 10, maxDelayMs: 100 },
    });
    world.server.setThrottle({ firstRequests: 10, fraction: 0.4, seed: 7 });
    try {
      const spec = compileJobSpec(
        {
          inputs: world.fx.manifest,
          model: world.fx.model.uri,
          workers: 8,
          out: path.join(world.dir, 'storm'),
          topK: 1,
        },
        { cores: 2, now: new Date(), cwd: world.dir },
      );
      const { summary } = await runJob(spec, { backend });
      expect(backend.counters.throttled).toBeGreaterThanOrEqual(10);
      expect(backend.counters.retries).toBe(backend.counters.throttled);
      expect(summary.status).toBe('completed');
      expect(summary.failedInvocations).toBe(0);
      const lines = (await readFile(path.join(world.dir, 'storm', 'results.jsonl'), 'utf8'))
        .trim()
        .split('\n');
      const results = lines.map(
        (l) => JSON.parse(l) as { key: string; top: unknown[] | null; error: string | null },
      );
      expect(results.map((r) => r.key).sort()).toEqual([...world.fx.keys].sort());
      for (const r of results) expect(r.error).toBeNull();
    } finally {
      world.server.setThrottle(undefined);
      await backend.close();
    }
  });
});
