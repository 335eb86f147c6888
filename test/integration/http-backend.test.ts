/**
 * The http backend against real `obifaas serve-function` processes on loopback: the shared
 * conformance suite over three servers, a job spread over them, and the server's guards
 * (token, request size limit, health) and the backend's messages when a URL is unreachable.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  describeBackendConformance,
  type BackendConformanceFixture,
} from '../../src/backends/conformance.js';
import { HttpBackend } from '../../src/backends/http/http-backend.js';
import { generateDataset } from '../../src/dataset/generate.js';
import { BackendError } from '../../src/errors.js';
import { runJob } from '../../src/manager/run-job.js';
import { ensureBuiltinModel } from '../../src/models/cache.js';
import { compileJobSpec } from '../../src/spec/compile.js';
import type { WorkerPayload } from '../../src/protocol/invocation.js';
import {
  startFunctionServerProcess,
  stopFunctionServerProcess,
  type FunctionServerProcess,
} from '../support/function-servers.js';
import { runCli } from '../support/run-cli.js';
import { closedPort } from '../support/closed-port.js';

const TOKEN = 'test-token-0123456789';
let dir: string;
let servers: FunctionServerProcess[] = [];
let fx: BackendConformanceFixture & { manifest: string };

const setup = (async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'obifaas-http-backend-'));
  const model = await ensureBuiltinModel('tiny', { home: dir });
  const data = await generateDataset({ count: 8, outDir: path.join(dir, 'data'), seed: 9 });
  fx = {
    storage: { type: 'fs', root: path.dirname(data.manifestPath) },
    keys: data.keys,
    model: { uri: model },
    manifest: data.manifestPath,
  };
  servers = await Promise.all(
    [0, 1, 2].map(() => startFunctionServerProcess(['--allow-read', dir], { OBIFAAS_FUNCTION_TOKEN: TOKEN })),
  );
})();

const urls = (): string[] => servers.map((s) => s.url);

describeBackendConformance('http (3 serve-function processes)', {
  createBackend: async ({ maxConcurrency }) => {
    await setup;
    return new HttpBackend({
      urls: urls(),
      token: TOKEN,
      maxConcurrency,
      retry: { baseDelayMs: 20, maxDelayMs: 200 },
    });
  },
  fixture: async () => {
    await setup;
    return fx;
  },
  // Invocations spread over the URLs, so the second ping may meet a fresh server.
  reusesWarmFunctions: false,
});

describe('http backend and function server', () => {
  beforeAll(async () => {
    await setup;
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => stopFunctionServerProcess(s)));
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('runs a job over three servers: every input classified, work spread over all of them', async () => {
    const backend = new HttpBackend({ urls: urls(), token: TOKEN });
    try {
      const spec = compileJobSpec(
        { inputs: fx.manifest, model: fx.model.uri, workers: 6, out: path.join(dir, 'job'), topK: 2 },
        { cores: 2, now: new Date(), cwd: dir },
      );
      const { summary, record } = await runJob(spec, { backend });
      expect(summary.status).toBe('completed');
      expect(summary.ok).toBe(8);
      expect(summary.backend).toBe('http');
      const results = (await readFile(path.join(dir, 'job', 'results.jsonl'), 'utf8'))
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { key: string; top: unknown[]; error: string | null });
      expect(results.map((r) => r.key).sort()).toEqual([...fx.keys].sort());
      for (const r of results) expect(r.top).toHaveLength(2);
      const pids = new Set(record.invocations.map((i) => i.pid));
      expect(pids.size).toBe(3);
      for (const inv of record.invocations)
        expect(inv.billedMs).toBeGreaterThanOrEqual(Math.floor(inv.durationMs));
    } finally {
      await backend.close();
    }
  });

  it('runs `obifaas run --backend http --url a,b,c` with the token from the environment', async () => {
    const out = path.join(dir, 'cli-job');
    const run = await runCli(
      [
        'run',
        '--backend',
        'http',
        '--url',
        urls().join(','),
        '--input',
        fx.manifest,
        '--model',
        fx.model.uri,
        '--workers',
        '4',
        '--top-k',
        '1',
        '--out',
        out,
        '--json',
      ],
      { OBIFAAS_FUNCTION_TOKEN: TOKEN },
    );
    expect(run.code, run.stderr).toBe(0);
    const summary = JSON.parse(run.stdout.trim().split('\n').pop()!) as Record<string, unknown>;
    expect(summary).toMatchObject({ backend: 'http', status: 'completed', inputs: 8, ok: 8, errors: 0 });
    const record = await readFile(path.join(out, 'job.json'), 'utf8');
    expect(record).not.toContain(TOKEN);
    expect(JSON.parse(record).spec.backend).toMatchObject({ type: 'http', urls: urls() });
  });

  it('answers /healthz without a token, and 401 on /invoke without or with a wrong token', async () => {
    const base = servers[0]!.url;
    const health = await fetch(`${base}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ ok: true, node: process.version });
    const none = await fetch(`${base}/invoke`, { method: 'POST', body: '{"kind":"ping"}' });
    expect(none.status).toBe(401);
    const wrong = await fetch(`${base}/invoke`, {
      method: 'POST',
      body: '{"kind":"ping"}',
      headers: { authorization: 'Bearer nope' },
    });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toEqual({
      errorType: 'Unauthorized',
      errorMessage: 'missing or wrong bearer token',
    });

    const backend = new HttpBackend({ urls: [base], token: 'wrong-token' });
    try {
      const inv = await backend.invoke({ kind: 'ping' });
      expect(inv.ok).toBe(false);
      if (inv.ok) return;
      expect(inv.error.message).toBe(
        `function at ${base} rejected the request (HTTP 401): set its token with OBIFAAS_FUNCTION_TOKEN`,
      );
      expect(inv.error.message).not.toContain('wrong-token');
      expect((inv.error as BackendError).retryable).toBe(false);
    } finally {
      await backend.close();
    }
  });

  it('answers 413 to a request over the size limit, and the backend says so', async () => {
    const small = await startFunctionServerProcess(['--max-request-mb', '1', '--token', TOKEN]);
    const backend = new HttpBackend({ urls: [small.url], token: TOKEN });
    try {
      const keys = Array.from({ length: 30_000 }, (_, i) => `images/${i}-${'x'.repeat(40)}.jpg`);
      const payload = {
        kind: 'static',
        jobId: 'j',
        workerId: 'w',
        model: fx.model,
        storage: fx.storage,
        pipeline: {
          load: { concurrency: 1 },
          preprocess: { concurrency: 1 },
          predict: { batchSize: 1, intraOpThreads: 1, interOpThreads: 1, replicas: 1 },
          topK: 1,
        },
        splits: [{ splitId: 's', keys }],
      } as WorkerPayload;
      const inv = await backend.invoke(payload);
      expect(inv.ok).toBe(false);
      if (inv.ok) return;
      expect(inv.error.message).toMatch(/over the request size limit of the function at .* \(HTTP 413\)/);
      expect((inv.error as BackendError).retryable).toBe(false);
      const raw = await fetch(`${small.url}/invoke`, {
        method: 'POST',
        body: Buffer.alloc(2 * 1024 * 1024, 32),
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      });
      expect(raw.status).toBe(413);
    } finally {
      await backend.close();
      await stopFunctionServerProcess(small);
    }
  });

  it('names an unreachable URL, and uses the other URLs while one is down', async () => {
    const dead = `http://127.0.0.1:${await closedPort()}`;
    const alone = new HttpBackend({ urls: [dead] });
    const inv = await alone.invoke({ kind: 'ping' });
    await alone.close();
    expect(inv.ok).toBe(false);
    if (!inv.ok) {
      expect(inv.error.message).toBe(
        `no function URL is left to run the invocation: ${dead} refused connections (is 'obifaas serve-function' running there?)`,
      );
      expect((inv.error as BackendError).retryable).toBe(false);
    }
    const mixed = new HttpBackend({
      urls: [dead, servers[1]!.url],
      token: TOKEN,
      retry: { baseDelayMs: 5, maxDelayMs: 20 },
    });
    try {
      const results = await Promise.all([0, 1, 2].map(() => mixed.invoke({ kind: 'ping' })));
      for (const r of results) expect(r.ok, r.ok ? '' : r.error.message).toBe(true);
    } finally {
      await mixed.close();
    }
  });

  it('refuses to serve a non-loopback address without a token', async () => {
    await expect(
      startFunctionServerProcess(['--host', '0.0.0.0'], { OBIFAAS_FUNCTION_TOKEN: '' }),
    ).rejects.toThrow(/exited with code 2: obifaas: refusing to serve on 0\.0\.0\.0 without a token/);
  });
});
