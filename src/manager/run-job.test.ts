/**
 * The manager's retry and no-loss logic, on a scripted in-memory backend (a `ComputeBackend`
 * whose functions answer from a script instead of running a model, `test/support/`).
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { jobSpecIn } from '../../test/support/manager-job.js';
import { ScriptedBackend } from '../../test/support/scripted-backend.js';
import { BackendError } from '../errors.js';
import { checkSchema } from '../util/schema.js';
import { pathExists } from '../util/paths.js';
import type { InputResult } from '../core/prediction.js';
import { jobRecordSchema } from './job-record-schema.js';
import { runJob } from './run-job.js';
import type { JobEvent } from './job-events.js';
import type { JobRecord } from './types.js';
import { UNREAD_MODEL_BYTES } from '../../test/support/unread-model.js';

let dir: string;
const keys = Array.from({ length: 10 }, (_, i) => (i === 7 ? `bad${i}.jpg` : `img${i}.jpg`));

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'obifaas-manager-'));
  await writeFile(path.join(dir, 'manifest.txt'), keys.join('\n'));
  await writeFile(path.join(dir, 'model.onnx'), UNREAD_MODEL_BYTES);
});
afterEach(async () => {
  // Every record a job wrote passes the schema the report, `results` and `--resume` read it with.
  const text = await readFile(path.join(path.join(dir, 'out'), 'job.json'), 'utf8').catch(() => null);
  const checked = text === null ? null : checkSchema(jobRecordSchema, JSON.parse(text));
  await rm(dir, { recursive: true, force: true });
  expect(checked === null || checked.ok ? [] : checked.issues).toEqual([]);
});

const spec = (extra: Record<string, unknown> = {}) => jobSpecIn(dir, extra);

async function outputs(): Promise<{ lines: InputResult[]; splitLines: unknown[]; record: JobRecord }> {
  const read = async (f: string): Promise<string> => readFile(path.join(dir, 'out', f), 'utf8');
  const lines = (await read('results.jsonl'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as InputResult);
  const splitText = (await read('splits.jsonl')).trim();
  const splitLines = splitText === '' ? [] : splitText.split('\n').map((l) => JSON.parse(l) as unknown);
  return { lines, splitLines, record: JSON.parse(await read('job.json')) as JobRecord };
}

function expectEveryInputOnce(lines: InputResult[]): void {
  expect(lines.map((l) => l.key).sort()).toEqual([...keys].sort());
  for (const l of lines) expect(Object.keys(l).sort()).toEqual(['error', 'key', 'top']);
}

describe('runJob (static)', () => {
  it('writes one line per input, a split log and the record', async () => {
    const backend = new ScriptedBackend(async () => 'ok');
    const progress: number[] = [];
    const running: number[] = [];
    const { summary } = await runJob(spec(), {
      backend,
      onProgress: ({ progress: p }) => {
        progress.push(p.done);
        running.push(p.running);
      },
    });
    const { lines, splitLines, record } = await outputs();
    expectEveryInputOnce(lines);
    expect(lines.find((l) => l.key === 'bad7.jpg')?.error).toBe('cannot decode');
    expect(splitLines).toHaveLength(3);
    expect(summary).toMatchObject({
      status: 'completed',
      inputs: 10,
      ok: 9,
      errors: 1,
      workers: 3,
      invocations: 3,
      failedInvocations: 0,
      retries: 0,
    });
    expect(summary.costUsd).toBeGreaterThan(0);
    expect(record.splits.map((s) => s.inputs)).toEqual([4, 3, 3]);
    expect(record.splits.every((s) => s.status === 'done' && s.workerId !== null && s.endedAt !== null)).toBe(
      true,
    );
    expect(progress[0]).toBe(0);
    expect(progress.at(-1)).toBe(10);
    // The progress bar sees the functions running, up to the three invocations, then none.
    expect(Math.max(...running)).toBe(3);
    expect(running.at(-1)).toBe(0);
  });

  it('retries a failed invocation and records the failure and the retry', async () => {
    const backend = new ScriptedBackend(async (p, call) =>
      call < 3 && p.splits[0]!.splitId === '1' ? new BackendError('worker crashed', true) : 'ok',
    );
    const retried: number[] = [];
    const { summary } = await runJob(spec(), {
      backend,
      onProgress: ({ progress: p }) => retried.push(p.retries),
    });
    const { lines, record } = await outputs();
    expectEveryInputOnce(lines);
    expect(retried.at(-1)).toBe(1);
    // Split 1 finished last, yet the completed job's results are in input order.
    expect(record.splits.find((s) => s.splitId === '1')!.endedAt).toBe(
      Math.max(...record.splits.map((s) => s.endedAt ?? 0)),
    );
    expect(lines.map((l) => l.key)).toEqual(keys);
    expect(record.resultsOrder).toBe('input');
    expect(summary).toMatchObject({ ok: 9, errors: 1, invocations: 4, failedInvocations: 1, retries: 1 });
    const split = record.splits.find((s) => s.splitId === '1')!;
    expect(split.attempts.map((a) => a.outcome)).toEqual(['failed', 'won']);
    expect(split.attempts[0]?.reason).toMatch(/worker crashed/);
    expect(record.invocations.filter((i) => i.splitIds[0] === '1').map((i) => [i.attempt, i.ok])).toEqual([
      [0, false],
      [1, true],
    ]);
  });

  it('gives error lines to the inputs of a split that fails every attempt', async () => {
    const backend = new ScriptedBackend(async (p) =>
      p.splits[0]!.splitId === '0' ? new BackendError('out of memory', true) : 'ok',
    );
    const { summary } = await runJob(spec({ maxRetries: 2 }), { backend });
    const { lines, record } = await outputs();
    expectEveryInputOnce(lines);
    const failed = lines.filter((l) => ['img0.jpg', 'img1.jpg', 'img2.jpg', 'img3.jpg'].includes(l.key));
    for (const l of failed) expect(l.error).toMatch(/out of memory/);
    expect(summary).toMatchObject({ status: 'completed', errors: 5, failedInvocations: 3, retries: 2 });
    expect(record.splits[0]).toMatchObject({ status: 'done', workerId: null, retries: 2 });
    expect(record.splits[0]?.error).toMatch(/out of memory/);
  });

  it('retries results that do not match the split', async () => {
    const backend = new ScriptedBackend(async (p, call) => (call === 0 ? 'wrong-keys' : 'ok'));
    await runJob(spec(), { backend });
    const { lines, record } = await outputs();
    expectEveryInputOnce(lines);
    expect(record.splits.find((s) => s.retries === 1)?.attempts[0]?.outcome).toBe('invalid');
  });

  it('stops the job on a failure no retry can fix, still closing every input', async () => {
    const backend = new ScriptedBackend(async (p) =>
      p.splits[0]!.splitId === '2' ? new BackendError('ModelError: not an ONNX model', false) : 'ok',
    );
    const { summary, record } = await runJob(spec(), { backend });
    const { lines } = await outputs();
    expectEveryInputOnce(lines);
    expect(summary.status).toBe('failed');
    expect(record.stopReason).toMatch(/not an ONNX model/);
    expect(lines.find((l) => l.key === 'img9.jpg')?.error).toMatch(/job stopped: ModelError/);
  });

  it('cancels: no new invocations, unfinished inputs get "cancelled"', async () => {
    const controller = new AbortController();
    const backend = new ScriptedBackend(async (p, _call, signal) => {
      if (p.splits[0]!.splitId === '0') return 'ok';
      setTimeout(() => controller.abort(), 10);
      await new Promise<void>((resolve) =>
        signal?.addEventListener('abort', () => resolve(), { once: true }),
      );
      return new BackendError('invocation cancelled', false);
    });
    const events: JobEvent[] = [];
    const { summary, record } = await runJob(spec(), {
      backend,
      signal: controller.signal,
      onProgress: (e) => events.push(e),
    });
    const { lines } = await outputs();
    expectEveryInputOnce(lines);
    expect(summary.status).toBe('cancelled');
    // The invocations the cancel stopped ended, and are no failures to tell as errors.
    const stopped = events.filter((e) => e.type === 'invocation-ended' && !e.ok);
    expect(stopped.length).toBeGreaterThan(0);
    for (const e of stopped) expect(e).toMatchObject({ error: 'invocation cancelled' });
    expect(events.filter((e) => e.type === 'error')).toEqual([]);
    // A cancelled job may be resumed: its results stay in completion order.
    expect(record.resultsOrder).toBe('completion');
    expect(lines.filter((l) => l.error === 'cancelled')).toHaveLength(6);
    expect(record.splits.filter((s) => s.status === 'done')).toHaveLength(1);
  });

  it('completes when cancelled after every input has its line: the cancel came too late to matter', async () => {
    const controller = new AbortController();
    const backend = new ScriptedBackend(async () => 'ok');
    const { summary, record } = await runJob(spec(), {
      backend,
      signal: controller.signal,
      // Ctrl-C as the last split is logged, before the job writes its record.
      onProgress: (event) => {
        if (event.type === 'split-done' && event.progress.done === event.progress.total) controller.abort();
      },
    });
    expect(controller.signal.aborted).toBe(true);
    const { lines } = await outputs();
    expectEveryInputOnce(lines);
    expect(lines.filter((l) => l.error === 'cancelled')).toEqual([]);
    expect(summary).toMatchObject({ status: 'completed', ok: 9, errors: 1 });
    // A completed job's results are in input order, and a resume finds it complete.
    expect(record.resultsOrder).toBe('input');
    expect(lines.map((l) => l.key)).toEqual(keys);
  });

  it('runs its plan: every function gets threads for the vCPUs its backend reports', async () => {
    const backend = new ScriptedBackend(async () => 'ok');
    const seen: number[] = [];
    const original = backend.invoke.bind(backend);
    backend.invoke = (payload, options) => {
      if (payload.kind === 'static') seen.push(payload.pipeline.predict.intraOpThreads);
      return original(payload, options);
    };
    const { record } = await runJob(spec(), { backend });
    // The scripted backend's functions have 2 vCPUs each; the job manager's 2 cores play no part.
    expect(seen).toEqual([2, 2, 2]);
    expect(record.pipeline.predict.intraOpThreads).toBe(2);
    expect(record.functions).toMatchObject({ vcpus: 2, intraOpThreads: 2, threadsFrom: 'vcpus' });
  });

  it('reports no throughput and no latency when every request failed', async () => {
    const backend = new ScriptedBackend(async () => new BackendError('worker crashed', true));
    const { summary } = await runJob(spec({ maxRetries: 0 }), { backend });
    expect(summary).toMatchObject({
      status: 'completed',
      ok: 0,
      errors: 10,
      latencySeconds: null,
      imagesPerSecond: null,
      imagesPerDollar: null,
    });
    expect(summary.elapsedSeconds).toBeGreaterThanOrEqual(0);
  });

  it('reports no latency for a cancelled job, and no throughput when it predicted nothing', async () => {
    const controller = new AbortController();
    const backend = new ScriptedBackend(async (_p, _call, signal) => {
      setTimeout(() => controller.abort(), 10);
      await new Promise<void>((resolve) =>
        signal?.addEventListener('abort', () => resolve(), { once: true }),
      );
      return new BackendError('invocation cancelled', false);
    });
    const { summary } = await runJob(spec(), { backend, signal: controller.signal });
    expect(summary).toMatchObject({
      status: 'cancelled',
      ok: 0,
      latencySeconds: null,
      imagesPerSecond: null,
    });
  });

  it('refuses bad output folders and missing models before anything runs, both at once', async () => {
    const backend = new ScriptedBackend(async () => 'ok');
    await writeFile(path.join(dir, 'file'), 'x');
    await expect(runJob(spec({ out: path.join(dir, 'file') }), { backend })).rejects.toThrow(
      /out: '.*file' is a file, not a folder/,
    );
    await expect(runJob(spec({ model: path.join(dir, 'nope.onnx') }), { backend })).rejects.toThrow(
      /model file not found/,
    );
    // The folder is checked with the sources, not after them: one message names both.
    await writeFile(path.join(dir, 'taken.txt'), 'x');
    await expect(
      runJob(spec({ model: path.join(dir, 'nope.onnx'), out: path.join(dir, 'taken.txt') }), { backend }),
    ).rejects.toThrow(/cannot start the job: model: model file not found: .*; out: '.*taken\.txt' is a file/);
    // A missing model stops a job before its (new) folder is created.
    const never = path.join(dir, 'never');
    await expect(
      runJob(spec({ model: path.join(dir, 'nope.onnx'), out: never }), { backend }),
    ).rejects.toThrow(/model file not found/);
    expect(await pathExists(never)).toBe(false);
    await runJob(spec(), { backend });
    await expect(runJob(spec(), { backend })).rejects.toThrow(/already holds a job's results.jsonl/);
    expect(backend.calls).toBe(3);
  });
});
