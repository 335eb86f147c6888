/**
 * A function process killed in the middle of its invocation: the job still finishes, the
 * split is retried on another invocation, no input is lost, and job.json tells what happened.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { LocalBackend } from '../../src/backends/local/local-backend.js';
import { generateDataset, type GeneratedDataset } from '../../src/dataset/generate.js';
import { runJob } from '../../src/manager/run-job.js';
import type { JobRecord } from '../../src/manager/types.js';
import { ensureBuiltinModel } from '../../src/models/cache.js';
import { compileJobSpec } from '../../src/spec/compile.js';
import type { InputResult } from '../../src/core/prediction.js';

let dir: string;
let dataset: GeneratedDataset;
let model: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'obifaas-job-killed-'));
  model = await ensureBuiltinModel('tiny', { home: dir });
  dataset = await generateDataset({ count: 32, outDir: path.join(dir, 'data'), seed: 5 });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

it('retries the split of a killed function process and loses nothing', async () => {
  const out = path.join(dir, 'out');
  const spec = compileJobSpec(
    { inputs: dataset.manifestPath, model, workers: 4, out, maxRetries: 1 },
    { cores: 2, now: new Date(), cwd: dir },
  );
  const backend = new LocalBackend({ maxConcurrency: 2, log: { write: () => true } });
  let victimPid: number | undefined;
  const watcher = setInterval(() => {
    const victim = backend.processes().find((p) => p.workerId === 'w1');
    if (victim?.pid && victimPid === undefined) {
      victimPid = victim.pid;
      process.kill(victim.pid, 'SIGKILL');
    }
  }, 50);
  try {
    // Worker w1 sleeps before its split, so the kill lands mid-invocation; its retry does not sleep.
    await runJob(spec, {
      backend,
      faultsFor: (workerId) => (workerId === 'w1' ? { delayMsPerSplit: 20_000 } : undefined),
    });
  } finally {
    clearInterval(watcher);
    await backend.close();
  }
  expect(victimPid).toBeDefined();

  const lines = (await readFile(path.join(out, 'results.jsonl'), 'utf8'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as InputResult);
  expect(lines.map((l) => l.key).sort()).toEqual([...dataset.keys].sort());
  expect(lines.every((l) => l.error === null)).toBe(true);

  const record = JSON.parse(await readFile(path.join(out, 'job.json'), 'utf8')) as JobRecord;
  expect(record.summary).toMatchObject({
    status: 'completed',
    ok: 32,
    errors: 0,
    invocations: 5,
    failedInvocations: 1,
    retries: 1,
  });
  const failed = record.invocations.find((i) => !i.ok)!;
  expect(failed).toMatchObject({ workerId: 'w1', splitIds: ['1'], attempt: 0, retryable: true });
  expect(failed.error).toMatch(
    new RegExp(`function process ${victimPid} killed by SIGKILL during the invocation`),
  );
  const retry = record.invocations.find((i) => i.ok && i.splitIds[0] === '1')!;
  expect(retry).toMatchObject({ attempt: 1 });
  expect(retry.workerId).not.toBe('w1');
  const split = record.splits.find((s) => s.splitId === '1')!;
  expect(split).toMatchObject({ status: 'done', retries: 1, workerId: retry.workerId, error: null });
  expect(split.attempts.map((a) => [a.workerId, a.kind, a.outcome])).toEqual([
    ['w1', 'first', 'failed'],
    [retry.workerId, 'retry', 'won'],
  ]);
});
