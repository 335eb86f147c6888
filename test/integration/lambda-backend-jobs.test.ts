/**
 * The Lambda backend under jobs, through the real SDK against the local Lambda REST server:
 * `obifaas run` from a config file, a throttling storm that outlasts the retries, and an embed
 * job's vectors through Lambda responses, static and dynamic.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LambdaBackend } from '../../src/backends/lambda/lambda-backend.js';
import { LocalBackend } from '../../src/backends/local/local-backend.js';
import { runJob } from '../../src/manager/run-job.js';
import { compileJobSpec } from '../../src/spec/compile.js';
import { readResults } from '../support/job-output.js';
import { backendFor, lambdaWorldReady, stopLambdaWorld, world } from '../support/lambda-backend.js';
import { readVectorsByKey } from '../support/parquet.js';
import { runCli } from '../support/run-cli.js';

describe('lambda backend under jobs', () => {
  beforeAll(lambdaWorldReady);
  afterAll(stopLambdaWorld);

  it('runs `obifaas run` with a lambda backend from a config file; job.json holds no secret', async () => {
    const out = path.join(world.dir, 'cli-job');
    const config = path.join(world.dir, 'lambda.yaml');
    await writeFile(
      config,
      [
        'backend:',
        '  type: lambda',
        `  endpoint: ${world.server.endpoint}`,
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
      world.fx.manifest,
      '--model',
      world.fx.model.uri,
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
      endpoint: world.server.endpoint,
      region: 'us-east-1',
      maxConcurrency: 1,
      retry: { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 10 },
    });
    world.server.setThrottle({ fraction: 1, retryAfterSeconds: 0 });
    try {
      const inv = await backend.invoke({ kind: 'ping' });
      expect(inv.ok).toBe(false);
      if (inv.ok) return;
      expect(inv.error.message).toMatch(/throttled.*gave up after 3 attempts/);
      expect((inv.error as { retryable?: boolean }).retryable).toBe(true);
      expect(backend.counters).toMatchObject({ requests: 3, throttled: 3, retries: 2 });
    } finally {
      world.server.setThrottle(undefined);
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
      const out = path.join(world.dir, `embed-${name}`);
      const spec = compileJobSpec(
        { inputs: world.fx.manifest, model: world.fx.model.uri, task, out, ...options },
        { cores: 2, now: new Date(), cwd: world.dir },
      );
      try {
        const { summary, record } = await runJob(spec, { backend });
        expect(summary, name).toMatchObject({ status: 'completed', ok: 8, errors: 0 });
        expect(record.embeddings, name).toMatchObject({ rows: 8, dims: 1000 });
      } finally {
        await backend.close();
      }
      const lines = await readResults(out);
      expect(lines.map((l) => l.key).sort(), name).toEqual([...world.fx.keys].sort());
      for (const line of lines) expect(line.embedding?.dims, `${name} ${line.key}`).toBe(1000);
      found.set(name, await readVectorsByKey(out));
    }
    const reference = found.get('local') as Map<string, number[]>;
    for (const vector of reference.values()) expect(Math.hypot(...vector)).toBeCloseTo(1, 5);
    for (const [name, byKey] of found) {
      expect([...byKey.keys()].sort(), name).toEqual([...world.fx.keys].sort());
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
