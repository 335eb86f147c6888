/**
 * An `obifaas serve-function` process killed while it runs an invocation of the http backend:
 * that invocation is on record as failed (retryable, billed for the time it was out), the job's
 * retry runs its split on another function as a new invocation, and no input is lost. Before,
 * the backend sent the same invocation again on its own, and the killed function's work was in
 * no record (nor its time in the cost).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { HttpBackend } from '../../src/backends/http/http-backend.js';
import type { InputResult } from '../../src/core/prediction.js';
import { generateDataset, type GeneratedDataset } from '../../src/dataset/generate.js';
import { runJob } from '../../src/manager/run-job.js';
import type { JobRecord } from '../../src/manager/types.js';
import { ensureBuiltinModel } from '../../src/models/cache.js';
import { compileJobSpec } from '../../src/spec/compile.js';
import {
  startFunctionServerProcess,
  stopFunctionServerProcess,
  type FunctionServerProcess,
} from '../support/function-servers.js';

const TOKEN = 'test-token-killed-0123456789';
let dir: string;
let dataset: GeneratedDataset;
let model: string;
let victim: FunctionServerProcess;
let healthy: FunctionServerProcess;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'obifaas-http-killed-'));
  model = await ensureBuiltinModel('tiny', { home: dir });
  dataset = await generateDataset({ count: 8, outDir: path.join(dir, 'data'), seed: 3 });
  [victim, healthy] = (await Promise.all(
    [0, 1].map(() => startFunctionServerProcess(['--allow-read', dir], { OBIFAAS_FUNCTION_TOKEN: TOKEN })),
  )) as [FunctionServerProcess, FunctionServerProcess];
});
afterAll(async () => {
  await Promise.all([victim, healthy].filter(Boolean).map((s) => stopFunctionServerProcess(s)));
  await rm(dir, { recursive: true, force: true });
});

/** Whether the function server at `url` is running an invocation now. */
async function busy(url: string): Promise<boolean> {
  const health = (await (await fetch(new URL('/healthz', url))).json()) as { busy?: number };
  return (health.busy ?? 0) > 0;
}

it('records the invocation of a killed function as failed and billed, and retries its split', async () => {
  const out = path.join(dir, 'out');
  const spec = compileJobSpec(
    { inputs: dataset.manifestPath, model, workers: 2, out, maxRetries: 1 },
    { cores: 2, now: new Date(), cwd: dir },
  );
  const backend = new HttpBackend({
    urls: [victim.url, healthy.url],
    token: TOKEN,
    retry: { baseDelayMs: 5, maxDelayMs: 20 },
  });
  let killed = false;
  let polling = false;
  const watcher = setInterval(() => {
    if (killed || polling) return;
    polling = true;
    busy(victim.url)
      .then((isBusy) => {
        if (isBusy && !killed) {
          killed = true;
          victim.child.kill('SIGKILL');
        }
      })
      .catch(() => undefined)
      .finally(() => (polling = false));
  }, 50);
  try {
    // The first attempts sleep before their split, so the kill lands mid-invocation.
    await runJob(spec, {
      backend,
      faultsFor: (_workerId, attempt) => (attempt === 0 ? { delayMsPerSplit: 3_000 } : undefined),
    });
  } finally {
    clearInterval(watcher);
    await backend.close();
  }
  expect(killed).toBe(true);

  const lines = (await readFile(path.join(out, 'results.jsonl'), 'utf8'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as InputResult);
  expect(lines.map((l) => l.key).sort()).toEqual([...dataset.keys].sort());
  expect(lines.filter((l) => l.error !== null)).toEqual([]);

  const record = JSON.parse(await readFile(path.join(out, 'job.json'), 'utf8')) as JobRecord;
  expect(record.summary).toMatchObject({
    status: 'completed',
    ok: 8,
    invocations: 3,
    failedInvocations: 1,
    retries: 1,
  });
  const failed = record.invocations.find((i) => !i.ok)!;
  expect(failed).toMatchObject({ attempt: 0, retryable: true });
  expect(failed.error).toBe(
    `the connection to the function at ${victim.url} broke while it had the invocation (ECONNRESET): did the function's process end?`,
  );
  expect(failed.billedMs).toBeGreaterThan(0);
  const retry = record.invocations.find((i) => i.ok && i.attempt === 1)!;
  expect(retry.splitIds).toEqual(failed.splitIds);
  const split = record.splits.find((s) => s.splitId === failed.splitIds[0])!;
  expect(split.attempts.map((a) => [a.kind, a.outcome])).toEqual([
    ['first', 'failed'],
    ['retry', 'won'],
  ]);
});
