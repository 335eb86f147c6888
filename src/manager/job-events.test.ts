/**
 * A job's event stream and its recorded plan, on the scripted in-memory backend: the events a
 * progress bar draws (in order, with the progress each carries), the errors a listener hears of,
 * and the prediction `job.json` keeps when the job ran with a time estimate.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { jobSpecIn } from '../../test/support/manager-job.js';
import { ScriptedBackend } from '../../test/support/scripted-backend.js';
import { BackendError } from '../errors.js';
import type { TimeEstimate } from '../job-plan/types.js';
import { plannedFigures } from '../report/job/job-figures.js';
import type { JobEvent } from './job-events.js';
import { runJob } from './run-job.js';
import { UNREAD_MODEL_BYTES } from '../../test/support/unread-model.js';

let dir: string;
const keys = Array.from({ length: 10 }, (_, i) => `img${i}.jpg`);

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'obifaas-events-'));
  await writeFile(path.join(dir, 'manifest.txt'), keys.join('\n'));
  await writeFile(path.join(dir, 'model.onnx'), UNREAD_MODEL_BYTES);
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const spec = (extra: Record<string, unknown> = {}) => jobSpecIn(dir, extra);

describe('a job’s events', () => {
  it('start, invocations, splits and end, in order, each with the progress so far', async () => {
    const events: JobEvent[] = [];
    await runJob(spec(), {
      backend: new ScriptedBackend(async () => 'ok'),
      onProgress: (e) => events.push(e),
    });
    const types = events.map((e) => e.type);
    expect(types[0]).toBe('job-started');
    expect(types.at(-1)).toBe('job-ended');
    expect(types.filter((t) => t === 'invocation-started')).toHaveLength(3);
    expect(types.filter((t) => t === 'invocation-ended')).toHaveLength(3);
    expect(types.filter((t) => t === 'split-done')).toHaveLength(3);
    expect(types).not.toContain('error');
    expect(events[0]).toMatchObject({ plannedInvocations: 3, splits: 3, progress: { total: 10, done: 0 } });
    expect(events.at(-1)).toMatchObject({ status: 'completed', progress: { done: 10, ok: 10, running: 0 } });
    // Each split is done after its invocation started, and the bar's count only goes up.
    const done = events.map((e) => e.progress.done);
    expect(done).toEqual([...done].sort((a, b) => a - b));
    const started = events.filter((e) => e.type === 'invocation-started');
    expect(started.map((e) => [e.reason, e.splitIds])).toEqual([
      ['planned', ['0']],
      ['planned', ['1']],
      ['planned', ['2']],
    ]);
    expect(Math.max(...events.map((e) => e.progress.running))).toBe(3);
    const splits = events.filter((e) => e.type === 'split-done');
    expect(splits.map((e) => e.inputs).sort()).toEqual([3, 3, 4]);
    expect(splits.every((e) => e.error === null && e.workerId !== null)).toBe(true);
  });

  it('an invocation that fails: its end, an error that is not fatal, the retry in the progress', async () => {
    const events: JobEvent[] = [];
    const backend = new ScriptedBackend(async (p, call) =>
      call === 0 && p.splits[0]!.splitId === '0' ? new BackendError('worker crashed', true) : 'ok',
    );
    await runJob(spec(), { backend, onProgress: (e) => events.push(e) });
    const failed = events.find((e) => e.type === 'invocation-ended' && !e.ok);
    expect(failed).toMatchObject({ workerId: 'w0', attempt: 0, error: 'worker crashed', stopped: false });
    const errors = events.filter((e) => e.type === 'error');
    expect(errors).toEqual([
      expect.objectContaining({ message: 'worker crashed', fatal: false, retryable: true }),
    ]);
    // The split of the failed invocation is tried again by a new one, started as a retry.
    const started = events.filter((e) => e.type === 'invocation-started');
    expect(started.map((e) => [e.workerId, e.reason, e.splitIds])).toEqual([
      ['w0', 'planned', ['0']],
      ['w1', 'planned', ['1']],
      ['w2', 'planned', ['2']],
      ['w3', 'retry', ['0']],
    ]);
    expect(events.at(-1)).toMatchObject({ type: 'job-ended', status: 'completed', progress: { retries: 1 } });
  });

  it('a failure no retry can fix: a fatal error, then the end with every input closed', async () => {
    const events: JobEvent[] = [];
    const backend = new ScriptedBackend(async (p) =>
      p.splits[0]!.splitId === '1' ? new BackendError('ModelError: not an ONNX model', false) : 'ok',
    );
    await runJob(spec(), { backend, onProgress: (e) => events.push(e) });
    const fatal = events.filter((e) => e.type === 'error' && e.fatal);
    expect(fatal).toHaveLength(1);
    expect(fatal[0]).toMatchObject({ message: 'ModelError: not an ONNX model' });
    expect(events.at(-1)).toMatchObject({ type: 'job-ended', status: 'failed', progress: { done: 10 } });
  });
});

describe('the plan a job records', () => {
  const profile: TimeEstimate = {
    kind: 'profile',
    name: 'scripted-1024',
    memoryMb: 1024,
    secondsPerImage: 0.5,
    perSplitOverheadSeconds: 0.1,
    initSeconds: 2,
  };

  it('with a time estimate: the predicted cost and latency, as the report reads them', async () => {
    const { record } = await runJob(spec(), {
      backend: new ScriptedBackend(async () => 'ok'),
      estimate: profile,
    });
    expect(record.plan).toMatchObject({ splits: 3, invocations: 3 });
    const predicted = record.plan?.predicted;
    expect(predicted).toMatchObject({
      basis: 'profile scripted-1024',
      priceModel: record.summary.priceModel,
    });
    // The slowest chunk (4 images) after its cold start: 2 + 0.1 + 4 x 0.5 seconds.
    expect(predicted?.latencySeconds).toBeCloseTo(4.1, 9);
    expect(predicted?.costUsd).toBeGreaterThan(0);
    expect(plannedFigures(record)).toEqual({
      costUsd: predicted?.costUsd,
      costPerMillionImagesUsd: predicted?.costPerMillionImagesUsd,
      latencySeconds: predicted?.latencySeconds,
    });
  });

  it('without one, or with one measured at another memory size: no prediction, and why', async () => {
    const backend = new ScriptedBackend(async () => 'ok');
    const plain = await runJob(spec(), { backend });
    expect(plain.record.plan).toEqual({
      splits: 3,
      invocations: 3,
      noPrediction: 'no time estimate was given',
    });
    expect(plannedFigures(plain.record)).toBeNull();
    const other = await runJob(spec({ out: path.join(dir, 'other') }), {
      backend,
      estimate: { ...profile, memoryMb: 3008 },
    });
    expect(other.record.plan?.predicted).toBeUndefined();
    expect(other.record.plan?.noPrediction).toMatch(/measured at 3008 MB, and the functions have 1024 MB/);
  });
});
