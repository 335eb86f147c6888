/**
 * A dynamic job end to end on loopback: the job manager's dispatcher, real worker processes of
 * the local backend, the tiny model. Its predictions equal a static job's for the same inputs,
 * job.json tells every split's story, and the job token is written nowhere.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { LocalBackend } from '../../src/backends/local/local-backend.js';
import { generateDataset, type GeneratedDataset } from '../../src/dataset/generate.js';
import { runJob } from '../../src/manager/run-job.js';
import { ensureBuiltinModel } from '../../src/models/cache.js';
import { compileJobSpec } from '../../src/spec/compile.js';
import {
  expectEveryInputOnce,
  readRecord,
  readResults,
  readSplitLog,
  sortedLines,
} from '../support/job-output.js';
import { obifaas } from '../support/obifaas-cli.js';
import { PayloadLog } from '../support/payload-log.js';

let dir: string;
let dataset: GeneratedDataset;
let model: string;
let local: LocalBackend;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'obifaas-dynamic-job-'));
  model = await ensureBuiltinModel('tiny', { home: dir });
  dataset = await generateDataset({ count: 30, outDir: path.join(dir, 'data'), seed: 11 });
  local = new LocalBackend({ maxConcurrency: 3, log: { write: () => true } });
});
afterAll(async () => {
  await local?.close();
  await rm(dir, { recursive: true, force: true });
});

const compile = (options: Record<string, unknown>) =>
  compileJobSpec(
    { inputs: dataset.manifestPath, model, ...options },
    { cores: 2, now: new Date(), cwd: dir },
  );

it('classifies every input once, as a static job does, and never writes the token', async () => {
  const backend = new PayloadLog(local);
  const dynamicOut = path.join(dir, 'dynamic');
  await runJob(compile({ mode: 'dynamic', splitSize: 4, workers: 3, out: dynamicOut }), { backend });

  const staticOut = path.join(dir, 'static');
  await runJob(compile({ workers: 3, out: staticOut }), { backend: local });

  const dynamicLines = await readResults(dynamicOut);
  expectEveryInputOnce(dynamicLines, dataset.keys);
  expect(dynamicLines.every((l) => l.error === null && (l.top?.length ?? 0) === 5)).toBe(true);
  expect(sortedLines(dynamicLines)).toEqual(sortedLines(await readResults(staticOut)));

  const record = await readRecord(dynamicOut);
  expect(record.summary).toMatchObject({
    status: 'completed',
    mode: 'dynamic',
    ok: 30,
    errors: 0,
    workers: 3,
  });
  expect(record.splits.map((s) => s.splitId)).toEqual(['0', '1', '2', '3', '4', '5', '6', '7']);
  for (const split of record.splits) {
    expect(split).toMatchObject({ status: 'done', error: null, retries: 0 });
    expect(split.attempts).toHaveLength(1);
    expect(split.attempts[0]).toMatchObject({ kind: 'first', outcome: 'won', workerId: split.workerId });
  }
  expect(record.dispatcher).toMatchObject({
    host: '127.0.0.1',
    advertiseHost: '127.0.0.1',
    counters: { unauthenticated: 0, malformed: 0 },
    workersLost: [],
    copies: [],
    invoked: { planned: 3, copy: 0, starved: 0, replacement: 0 },
    tls: { enabled: false },
  });
  // Every worker that answered opened a stream. One whose process started after the others had
  // taken every split may be stopped before it connects (on a loaded machine), pulling nothing.
  const answered = record.invocations.filter((i) => i.ok);
  const streams = record.dispatcher?.counters.streams ?? 0;
  expect(record.invocations).toHaveLength(3);
  expect(streams).toBeGreaterThanOrEqual(answered.length);
  expect(streams).toBeLessThanOrEqual(3);
  const pulled = record.invocations.flatMap((i) => i.splitIds).sort();
  expect(pulled).toEqual(record.splits.map((s) => s.splitId).sort());
  for (const inv of record.invocations) {
    if (!inv.ok) {
      expect(inv).toMatchObject({ stopped: true, splitIds: [] });
      continue;
    }
    expect(inv.dispatch).toMatchObject({ accepted: inv.splitIds.length, duplicate: 0, rejected: 0 });
  }
  expect((await readSplitLog(dynamicOut)).map((l) => l.splitId).sort()).toEqual(pulled);

  // Each invocation has a credential of its own, and none is ever written.
  const dynamic = backend.payloads.flatMap((p) => (p.kind === 'dynamic' ? [p] : []));
  const tokens = new Set(dynamic.map((p) => p.dispatcher.token));
  expect(tokens.size).toBe(dynamic.length);
  expect(new Set(dynamic.map((p) => p.workerId)).size).toBe(dynamic.length);
  for (const token of tokens) {
    expect(token.length).toBeGreaterThanOrEqual(32);
    for (const file of await readdir(dynamicOut))
      expect(await readFile(path.join(dynamicOut, file), 'utf8'), file).not.toContain(token);
  }
});

it('runs from the CLI with --mode dynamic, speculation and injected faults', async () => {
  const home = path.join(dir, 'home');
  await ensureBuiltinModel('tiny', { home });
  const out = path.join(dir, 'cli');
  const run = await obifaas(
    [
      'run',
      '--input',
      dataset.manifestPath,
      '--model',
      'tiny',
      '--mode',
      'dynamic',
      '--split-size',
      '5',
      '--workers',
      '2',
      '--max-concurrency',
      '2',
      '--speculation',
      '--speculation-quantile',
      '0.5',
      '--keep-alive',
      '500ms',
      '--worker-timeout',
      '5s',
      '--fail-percent',
      '50',
      '--fault-seed',
      '2',
      '--out',
      out,
      '--json',
    ],
    { cwd: dir, env: { OBIFAAS_HOME: home, OBIFAAS_DELAY_PERCENT: '50', OBIFAAS_DELAY_MAX: '300ms' } },
  );
  expect(run.code, run.stderr).toBe(0);
  expect(JSON.parse(run.stdout)).toMatchObject({
    status: 'completed',
    mode: 'dynamic',
    inputs: 30,
    errors: 0,
  });
  expectEveryInputOnce(await readResults(out), dataset.keys);
  const record = await readRecord(out);
  expect(record.spec.dispatch).toEqual({
    type: 'dynamic',
    maxSplitRetries: 1,
    keepAliveIntervalMs: 500,
    workerSilentTimeoutMs: 5000,
    host: '127.0.0.1',
    advertiseHost: '127.0.0.1',
    port: 0,
    speculation: { quantile: 0.5, multiplier: 2, intervalMs: 500, extraWorkers: 1 },
    tls: { mode: 'off' },
  });
  expect(record.faults?.policy).toEqual({ failPercent: 50, delayPercent: 50, delayMaxMs: 300, seed: 2 });
  const failing = record.faults?.workers.filter((w) => w.faults.failAfterFirstSplit) ?? [];
  expect(failing.filter((w) => w.planned)).toHaveLength(1);
  for (const w of failing) {
    // A failing worker raises when it holds its second split; one that never got a second split
    // (the job ran out of splits first, or it was stopped at the end) ends without the fault.
    const invocation = record.invocations.find((i) => i.workerId === w.workerId);
    if (invocation?.stopped === true)
      expect(invocation.error).toBe('stopped by the job manager: every split was done');
    else if (invocation?.error !== undefined) expect(invocation.error).toMatch(/InjectedFault/);
    else expect(invocation?.dispatch?.assigned ?? 0).toBeLessThanOrEqual(1);
  }
});
