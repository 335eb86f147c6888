/**
 * Function URLs that answer 200 with something other than an honest worker result: a result
 * whose timings or runtime are not the protocol's, and figures in the stats headers that cannot
 * be true. Each runs on a loopback server speaking the HTTP function protocol. A result that is
 * not a worker result fails its invocation (so the job's own `job.json` stays readable), the
 * billed time never exceeds what this side saw, a peak memory no process can reach is left out,
 * and an invocation that times out is billed the time its request was out.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpBackend } from '../../src/backends/http/http-backend.js';
import { generateDataset, type GeneratedDataset } from '../../src/dataset/generate.js';
import type { WorkerPayload } from '../../src/protocol/invocation.js';
import { STATS_HEADERS } from '../../src/protocol/http-function.js';
import { obifaas } from '../support/obifaas-cli.js';
import { expectTimedOutAndBilled } from '../support/stopped-billing.js';

/** What the server answers: the body made from the payload's splits, and the headers. */
interface Answer {
  /** Never answer (the request is held until the client goes away). */
  hold?: true;
  body: (splits: { splitId: string; keys: string[] }[]) => unknown;
  headers?: Record<string, string>;
}

let dir: string;
let dataset: GeneratedDataset;
let server: http.Server;
let url: string;
let answer: Answer;

/** Every key predicted as class 1, in the shape of a worker result but without its timings' fields. */
function resultWithoutTimings(splits: { splitId: string; keys: string[] }[]): unknown {
  return {
    workerId: 'w',
    splits: splits.map((s) => ({
      splitId: s.splitId,
      results: s.keys.map((key) => ({ key, top: [{ class: 1, score: 0.5 }], error: null })),
      startedAt: 0,
      endedAt: 0,
    })),
    timings: {},
    runtime: { pid: 'not a pid', node: 'v22', platform: 'linux' },
  };
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'obifaas-http-replies-'));
  dataset = await generateDataset({ count: 4, outDir: path.join(dir, 'data'), seed: 2 });
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (answer.hold) return;
      const payload = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
        splits?: { splitId: string; keys: string[] }[];
      };
      res.writeHead(200, { 'content-type': 'application/json', ...answer.headers });
      res.end(JSON.stringify(answer.body(payload.splits ?? [])));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await rm(dir, { recursive: true, force: true });
});

describe('a 200 that is not a worker result', () => {
  it('fails the job naming the fields, and leaves a job.json that `obifaas results` reads', async () => {
    answer = { body: resultWithoutTimings };
    const out = path.join(dir, 'no-timings');
    const env = { OBIFAAS_HOME: path.join(dir, 'home') };
    const args = ['run', '--backend', 'http', '--url', url, '--input', dataset.manifestPath];
    const run = await obifaas([...args, '--model', 'tiny', '--out', out], { cwd: dir, env });
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toMatch(/not a worker result \(timings\.cold: missing: expected true or false; /);
    const lines = (await readFile(path.join(out, 'results.jsonl'), 'utf8')).trim().split('\n');
    expect(lines.map((l) => (JSON.parse(l) as { key: string }).key)).toEqual(dataset.keys);
    const exported = await obifaas(
      ['results', out, '--format', 'jsonl', '--out', path.join(dir, 'r.jsonl')],
      {
        cwd: dir,
        env,
      },
    );
    expect(exported.code, exported.stderr).toBe(0);
  });
});

describe('stats headers that cannot be true', () => {
  it('bill no more than the round trip, an init no longer than an invocation may run, and no impossible peak memory', async () => {
    answer = {
      body: (splits) => ({
        ...(resultWithoutTimings(splits) as object),
        timings: {
          cold: true,
          modelLoadMs: 0,
          stageBusyMs: { load: 0, preprocess: 0, predict: 0 },
          wallMs: 0,
          images: 1,
        },
        runtime: { pid: 1, node: 'v22', platform: 'linux' },
      }),
      headers: {
        [STATS_HEADERS.durationMs]: '1e12',
        [STATS_HEADERS.cold]: 'true',
        [STATS_HEADERS.initMs]: '1e13',
        [STATS_HEADERS.maxMemoryUsedMb]: '1e15',
      },
    };
    const timeoutMs = 60_000;
    const backend = new HttpBackend({ urls: [url], timeoutMs });
    try {
      const payload = {
        kind: 'static',
        jobId: 'j',
        workerId: 'w',
        splits: [{ splitId: '0', keys: ['a.jpg'] }],
      } as unknown as WorkerPayload;
      const inv = await backend.invoke(payload);
      expect(inv.ok, inv.ok ? '' : inv.error.message).toBe(true);
      const { stats } = inv;
      expect(stats.durationMs).toBeLessThanOrEqual(stats.endedAt - stats.submittedAt + 1);
      expect(stats.billedMs).toBeLessThanOrEqual(Math.ceil(stats.durationMs));
      expect(stats.cold).toBe(true);
      expect(stats.initMs).toBe(timeoutMs);
      // Peak memory is nominal: a figure no process can reach is left out, not clamped.
      expect(stats).not.toHaveProperty('maxMemoryUsedMb');
    } finally {
      await backend.close();
    }
  });
});

describe('a function that never answers', () => {
  it('times the invocation out and bills the time its request was out', async () => {
    answer = { hold: true, body: () => null };
    const backend = new HttpBackend({ urls: [url], timeoutMs: 300, retry: { maxAttempts: 1 } });
    try {
      const payload = { kind: 'static', jobId: 'j', workerId: 'w', splits: [] } as unknown as WorkerPayload;
      expectTimedOutAndBilled(await backend.invoke(payload), 300);
    } finally {
      await backend.close();
    }
  });
});
