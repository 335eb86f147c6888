/**
 * An invocation stopped while its model runs leaves its function warm, against real function
 * processes (the local backend's child process, `serve-function`) and ONNX Runtime: the run
 * finishes in the background, its output is discarded, and the next invocation of the same
 * model reuses the loaded session (its result says `cold: false`, no model load) and gets its
 * own results; a batch of the stopped invocation that had not started is skipped (counted in
 * CPU time). The model is a `Loop` that takes seconds and then returns; an invocation is stopped
 * once its function has spent more CPU than loading and decoding ever take (an event of the
 * process, not a wait on the clock). A run that never ends is `model-resources.test.ts`'s.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalBackend } from '../../src/backends/local/local-backend.js';
import { generateDataset } from '../../src/dataset/generate.js';
import type { InputResult } from '../../src/core/prediction.js';
import type { WorkerPayload, WorkerResult } from '../../src/protocol/invocation.js';
import { testAccess, testAccessFlags, type TestAccess } from '../support/function-access.js';
import {
  startFunctionServerProcess,
  stopFunctionServerProcess,
  type FunctionServerProcess,
} from '../support/function-servers.js';
import { PIPELINE } from './support/hostile-world.js';
import { endlessLoopModel } from './support/hostile-models.js';
import { untilFunctionBusy } from './support/function-health.js';
import { untilCpuSpent, untilProcessCpuSpent } from './support/process-cpu.js';
import { acquireInferencePool, closeInferencePools } from '../../src/worker/inference-pools.js';
import { closeWorkerSession, openWorkerSession, processSplit } from '../../src/worker/worker-session.js';

/** Loop iterations of one run: some seconds of CPU (a million is about one). */
const TRIPS = 2_000_000;
/** CPU a function spends before its invocation is stopped: its first batch is running then. */
const STOP_AFTER_CPU_SECONDS = 1;

let dir: string;
let root: string;
let model: string;
/** The invocation that is stopped (two batches of the pipeline's 4), and the next one. */
let stoppedKeys: string[];
let nextKeys: string[];
let access: TestAccess;

beforeAll(async () => {
  dir = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'obifaas-adv-stopped-')));
  model = path.join(dir, 'slow.onnx');
  await fs.writeFile(model, endlessLoopModel(TRIPS));
  const data = await generateDataset({ count: 11, outDir: path.join(dir, 'data'), seed: 9 });
  root = path.dirname(data.manifestPath);
  stoppedKeys = data.keys.slice(0, 8);
  nextKeys = data.keys.slice(8);
  access = { read: [root, dir] };
});

afterAll(async () => {
  if (dir) await fs.rm(dir, { recursive: true, force: true });
});

function payload(workerId: string, keys: string[]): WorkerPayload {
  return {
    kind: 'static',
    jobId: 'stopped-run',
    workerId,
    model: { uri: model },
    storage: { type: 'fs', root },
    pipeline: PIPELINE,
    splits: [{ splitId: workerId, keys }],
  };
}

const resultsOf = (r: WorkerResult): InputResult[] => r.splits.flatMap((s) => s.results);

/** What the next invocation must report: warm, no model load, the reference's results. */
function expectWarmWithOwnResults(next: WorkerResult, reference: WorkerResult): void {
  expect(next.timings.cold).toBe(false);
  expect(next.timings.modelLoadMs).toBe(0);
  expect(next.runtime.pid).toBe(reference.runtime.pid);
  expect(resultsOf(next).map((r) => r.key)).toEqual(nextKeys);
  // The stopped run's images have other channel means: its output would show in the scores.
  expect(resultsOf(next)).toEqual(resultsOf(reference));
}

describe('a local function process', () => {
  let local: LocalBackend;
  beforeAll(() => {
    local = new LocalBackend({ maxConcurrency: 1, log: { write: () => true }, access: testAccess(access) });
  });
  afterAll(async () => {
    await local?.close();
  });

  it('stopped mid-inference, answers the next invocation warm, with its own results', async () => {
    const reference = await local.invoke(payload('reference', nextKeys));
    expect(reference.ok, reference.ok ? '' : reference.error.message).toBe(true);
    if (!reference.ok) return;
    expect(reference.result.timings.cold).toBe(true);
    const pid = reference.result.runtime.pid;

    const controller = new AbortController();
    const stopped = local.invoke(payload('stopped', stoppedKeys), { signal: controller.signal });
    await untilProcessCpuSpent(pid, STOP_AFTER_CPU_SECONDS, 'the model never ran');
    controller.abort();
    const cancelled = await stopped;
    expect(cancelled.ok).toBe(false);
    if (cancelled.ok) return;
    expect(cancelled.error.message).toBe('invocation cancelled');
    // The process is finishing the run in the background, and is not killed.
    expect(local.processes()).toEqual([expect.objectContaining({ pid, state: 'stopping' })]);

    const next = await local.invoke(payload('next', nextKeys));
    expect(next.ok, next.ok ? '' : next.error.message).toBe(true);
    if (!next.ok) return;
    expect(next.stats.cold).toBe(false);
    expectWarmWithOwnResults(next.result, reference.result);
  }, 120_000);
});

describe('serve-function', () => {
  let http: FunctionServerProcess;
  beforeAll(async () => {
    http = await startFunctionServerProcess(testAccessFlags(access));
  });
  afterAll(async () => {
    if (http) await stopFunctionServerProcess(http);
  });

  const post = async (body: WorkerPayload, signal?: AbortSignal): Promise<WorkerResult> => {
    const reply = await fetch(`${http.url}/invoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      ...(signal ? { signal } : {}),
    });
    const text = await reply.text();
    expect(reply.status, text).toBe(200);
    return JSON.parse(text) as WorkerResult;
  };

  it('whose caller gave up mid-inference, answers the next invocation warm, with its own results', async () => {
    const reference = await post(payload('reference', nextKeys));
    expect(reference.timings.cold).toBe(true);
    const controller = new AbortController();
    const stopped = post(payload('stopped', stoppedKeys), controller.signal);
    await untilProcessCpuSpent(http.child.pid as number, STOP_AFTER_CPU_SECONDS, 'the model never ran');
    controller.abort();
    await expect(stopped).rejects.toThrow();
    // Its one slot comes free once the stopped invocation has ended (its run goes on).
    await untilFunctionBusy(http.url, 0, 'the stopped invocation kept its slot');
    expectWarmWithOwnResults(await post(payload('next', nextKeys)), reference);
  }, 120_000);
});

describe("a dynamic worker's session", () => {
  afterAll(async () => {
    await closeInferencePools();
  });

  it('runs the split after a cancelled one on the same loaded model, with its own results', async () => {
    const session = await openWorkerSession({ uri: model }, { type: 'fs', root }, PIPELINE);
    try {
      expect(session.cold).toBe(true);
      const reference = await processSplit(session, { splitId: 'reference', keys: nextKeys });
      const pool = session.pool;
      // The dispatcher cancels a split (another attempt finished first) while its model runs.
      const cancel = new AbortController();
      const cancelled = processSplit(
        session,
        { splitId: 'cancelled', keys: stoppedKeys },
        { signal: cancel.signal },
      );
      await untilCpuSpent(STOP_AFTER_CPU_SECONDS, 'the model never ran');
      cancel.abort(new Error('cancelled by the dispatcher'));
      await expect(cancelled).rejects.toThrow(/cancelled by the dispatcher/);
      expect(pool.busyWithAbandoned).toBe(true);
      const next = await processSplit(session, { splitId: 'next', keys: nextKeys });
      expect(session.pool).toBe(pool);
      expect(session.cold).toBe(true); // from the first load only
      expect(session.modelLoadMs).toBe(pool.loadMs);
      expect(next.results).toEqual(reference.results);
    } finally {
      await closeWorkerSession(session);
    }
  }, 120_000);
});

describe('the inference pool', () => {
  afterAll(async () => {
    await closeInferencePools();
  });

  /** This process's CPU time (every thread), in seconds. */
  const cpuSeconds = (): number => {
    const { user, system } = process.cpuUsage();
    return (user + system) / 1e6;
  };
  const flat = (value: number): Float32Array => new Float32Array(3 * 8 * 8).fill(value);

  it("skips a stopped invocation's batch that had not started: only the running one is finished", async () => {
    const { pool } = await acquireInferencePool(model, { intraOpThreads: 1, interOpThreads: 1, replicas: 1 });
    let t0 = cpuSeconds();
    await pool.predict(flat(1), 1, [3, 8, 8]);
    const oneRun = cpuSeconds() - t0;
    const controller = new AbortController();
    const { signal } = controller;
    const running = pool.predict(flat(2), 1, [3, 8, 8], pool.info.outputName, signal);
    const queued = pool.predict(flat(3), 1, [3, 8, 8], pool.info.outputName, signal);
    await untilCpuSpent(oneRun / 2, 'the model never ran');
    controller.abort(new Error('stopped'));
    await expect(running).rejects.toThrow(/inference stopped/);
    await expect(queued).rejects.toThrow(/inference stopped/);
    t0 = cpuSeconds();
    await pool.whenFree();
    // At most half a run was left of the first batch (about a third, measured); the queued one
    // would have taken a whole run more (about 1.2 runs in all, measured).
    expect(cpuSeconds() - t0).toBeLessThan(0.75 * oneRun);
  }, 120_000);
});
