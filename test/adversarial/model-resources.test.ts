/**
 * Graphs that exhaust resources, against the real function: a `Loop` whose trip count never
 * ends, and tensors of trillions of elements made at run time (`ConstantOfShape`, `Tile`). An
 * allocation ONNX Runtime refuses ends each input of its batch with an error line; a run that
 * never ends is stopped by the invocation's end (the local backend's timeout stops its process,
 * which is killed when the run does not end within the backend's stuck wait, 1 s here; a `serve-function` whose caller
 * gave up leaves the wedged inference thread, frees its slot and answers the next invocation;
 * the inference pool waits for a stopped run and, when it outlasts the wait, marks its thread stuck
 * and loads a new one; `stuck-thread.test.ts` has what a function does then).
 * Timeouts are short and counted in events, not measured.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalBackend } from '../../src/backends/local/local-backend.js';
import type { BackendError } from '../../src/errors.js';
import { generateDataset } from '../../src/dataset/generate.js';
import type { WorkerPayload } from '../../src/protocol/invocation.js';
import { steadyNow } from '../../src/util/steady-clock.js';
import { acquireInferencePool, closeInferencePools } from '../../src/worker/inference-pools.js';
import { testAccess, testAccessFlags, type TestAccess } from '../support/function-access.js';
import {
  startFunctionServerProcess,
  stopFunctionServerProcess,
  type FunctionServerProcess,
} from '../support/function-servers.js';
import { PIPELINE } from './support/hostile-world.js';
import { endlessLoopModel, hostileModel, hugeTensorModel } from './support/hostile-models.js';
import { untilFunctionBusy } from './support/function-health.js';
import { untilCpuSpent, untilProcessCpuSpent } from './support/process-cpu.js';

const run = promisify(execFile);
let dir: string;
let root: string;
let keys: string[];
let access: TestAccess;
let local: LocalBackend;
/** The local backend's log lines, each with when it came on the steady clock. */
const localLog: Array<{ at: number; text: string }> = [];
let http: FunctionServerProcess;
const file = (name: string): string => path.join(dir, name);

beforeAll(async () => {
  dir = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'obifaas-adv-resources-')));
  await fs.writeFile(file('loop.onnx'), endlessLoopModel());
  // About a second of looping: long enough to be stopped, short enough to end by itself.
  await fs.writeFile(file('long-loop.onnx'), endlessLoopModel(1_000_000));
  await fs.writeFile(file('constant.onnx'), hugeTensorModel('ConstantOfShape'));
  await fs.writeFile(file('tile.onnx'), hugeTensorModel('Tile'));
  await fs.writeFile(file('good.onnx'), hostileModel());
  const data = await generateDataset({ count: 3, outDir: file('data'), seed: 5 });
  root = path.dirname(data.manifestPath);
  keys = data.keys;
  access = { read: [root, dir] };
  local = new LocalBackend({
    maxConcurrency: 1,
    // The endless loop never stops: any wait is the same to it.
    stuckAfterMs: 1_000,
    log: { write: (chunk) => localLog.push({ at: steadyNow(), text: String(chunk) }) },
    access: testAccess(access),
  });
  http = await startFunctionServerProcess(testAccessFlags(access));
});

afterAll(async () => {
  await local?.close();
  if (http) await stopFunctionServerProcess(http);
  await closeInferencePools();
  if (dir) await fs.rm(dir, { recursive: true, force: true });
});

function payload(model: string): WorkerPayload {
  return {
    kind: 'static',
    jobId: 'resources',
    workerId: 'w0',
    model: { uri: file(model) },
    storage: { type: 'fs', root },
    pipeline: PIPELINE,
    splits: [{ splitId: 's0', keys }],
  };
}

const ALLOCATION_REFUSED =
  /prediction failed for '.*': .*(Failed to allocate memory|exceeds the supported maximum)/;

/** An 8x8 image of `value` everywhere: the classifier's logits are its channel means. */
const flat = (value: number): Float32Array => new Float32Array(3 * 8 * 8).fill(value);

// First: a run these tests stop ends by itself while the other tests run.
describe('the inference pool', () => {
  it('keeps its thread when a run is stopped while running: the next acquire waits for it, warm, and never sees its output', async () => {
    const settings = { intraOpThreads: 1, interOpThreads: 1, replicas: 1 };
    const { pool } = await acquireInferencePool(file('long-loop.onnx'), settings);
    const controller = new AbortController();
    const running = pool.predict(flat(7), 1, [3, 8, 8], pool.info.outputName, controller.signal);
    await untilCpuSpent(0.2, 'the loop never ran');
    controller.abort(new Error('stopped'));
    await expect(running).rejects.toThrow(
      /inference stopped: the invocation ended while the model was running \(its output is discarded\)/,
    );
    expect(pool.broken).toBe(false);
    expect(pool.busyWithAbandoned).toBe(true);
    const again = await acquireInferencePool(file('long-loop.onnx'), settings);
    expect(again.cold).toBe(false);
    expect(again.pool).toBe(pool);
    expect(pool.busyWithAbandoned).toBe(false);
    // The stopped run's logits were all 7s: the next batch gets its own.
    const next = await pool.predict(flat(2), 1, [3, 8, 8]);
    expect([...next.logits]).toEqual([2, 2, 2]);
    await closeInferencePools();
  });

  it('lives on once the given-up run returns (terminating a thread inside a run would abort the process)', async () => {
    const child = path.join(import.meta.dirname, 'support', 'abandoned-run-child.ts');
    const { stdout } = await run(
      process.execPath,
      ['--import', 'tsx', child, file('child-loop.onnx'), '1000000'],
      {
        timeout: 60_000,
      },
    );
    expect(stdout.trim().split('\n')).toEqual([
      'inference stopped: the invocation ended while the model was running (its output is discarded)',
      'reopened: true',
      'alive',
    ]);
  }, 60_000);
});

describe('a local function process', () => {
  it.each(['constant.onnx', 'tile.onnx'])(
    'ends every input of %s with its allocation error',
    async (model) => {
      const inv = await local.invoke(payload(model));
      expect(inv.ok, inv.ok ? '' : inv.error.message).toBe(true);
      if (!inv.ok) return;
      const results = inv.result.splits.flatMap((s) => s.results);
      expect(results.map((r) => r.key)).toEqual(keys);
      for (const r of results) {
        expect(r.top).toBeNull();
        expect(r.error).toMatch(ALLOCATION_REFUSED);
      }
    },
  );

  it('is stopped at its timeout by an endless loop, killed when the loop does not end within the stuck wait, and the next invocation runs in a new process', async () => {
    const invoked = steadyNow();
    const inv = await local.invoke(payload('loop.onnx'), { timeoutMs: 3_000 });
    expect(inv.ok).toBe(false);
    if (inv.ok) return;
    expect(inv.error.message).toMatch(/invocation timed out after 3000 ms/);
    expect((inv.error as BackendError).retryable).toBe(true);
    const [stopping] = local.processes();
    expect(stopping?.state).toBe('stopping');
    // It keeps the backend's one slot until it is killed; then a new process takes it.
    const next = await local.invoke(payload('good.onnx'));
    expect(next.ok, next.ok ? '' : next.error.message).toBe(true);
    if (!next.ok) return;
    expect(next.stats.cold).toBe(true);
    expect(next.result.timings.cold).toBe(true);
    expect(next.result.runtime.pid).not.toBe(stopping?.pid);
    expect(local.processes().map((p) => p.pid)).not.toContain(stopping?.pid);
    // Killed by the backend once its stuck wait was over, not before: timeout, then wait.
    const killed = localLog.find((l) =>
      l.text.startsWith(`obifaas local function ${stopping?.pid}: killed:`),
    );
    expect(killed?.text).toBe(
      `obifaas local function ${stopping?.pid}: killed: timed out after 3000 ms and did not stop within the stuck wait (1000 ms)\n`,
    );
    expect(killed!.at - invoked).toBeGreaterThanOrEqual(3_000 + 1_000);
  });

  it('takes a stuck wait in the bounds every backend shares', () => {
    expect(() => new LocalBackend({ stuckAfterMs: 999 })).toThrow(
      'stuckAfterMs: expected a wait from 1s to 15m, got 999ms',
    );
    expect(() => new LocalBackend({ stuckAfterMs: 15 * 60_000 + 1 })).toThrow(RangeError);
  });
});

describe('serve-function', () => {
  const post = (model: string, signal?: AbortSignal): Promise<Response> =>
    fetch(`${http.url}/invoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(payload(model)),
      ...(signal ? { signal } : {}),
    });

  it('gives up a wedged run when its caller does, and answers the next invocation', async () => {
    const controller = new AbortController();
    const wedged = post('loop.onnx', controller.signal);
    // The function is busy with it once its one slot is taken.
    await untilFunctionBusy(http.url, 1, 'the wedged invocation never started');
    // Then until it has spent more CPU than loading the model and decoding 3 images ever takes:
    // the loop is running (an event of the process, not a wait on the clock).
    await untilProcessCpuSpent(http.child.pid as number, 1.5, 'the loop never ran');
    controller.abort();
    await expect(wedged).rejects.toThrow();
    // Its slot comes free (a wedged run kept it, and every later invocation got 429 Busy).
    await untilFunctionBusy(http.url, 0, 'the wedged invocation kept its slot');
    const next = await post('good.onnx');
    const text = await next.text();
    expect(next.status, text).toBe(200);
    const results = (
      JSON.parse(text) as { splits: { results: { key: string; error: string | null }[] }[] }
    ).splits.flatMap((s) => s.results);
    expect(results.map((r) => [r.key, r.error])).toEqual(keys.map((k) => [k, null]));
  }, 60_000);
});
