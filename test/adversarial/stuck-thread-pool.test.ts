/**
 * The inference pool with a thread stuck in a stopped invocation's run (real ONNX Runtime
 * threads in this process): the batches queued behind it go to the pool's other thread when the
 * cores allow no new one, and fail with `FunctionUnhealthyError` when no thread is left; the
 * function says it cannot serve while the stuck thread holds its cores, or when the memory its
 * model keeps leaves no room for another thread (the function's memory set to what this process
 * uses already). The model loops on bright
 * input only, for a few seconds (so that the stuck threads end by themselves and this process
 * can exit), and a thread is marked stuck 100 ms after its run was stopped: far less than its
 * loop takes, whatever the machine's load.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FunctionUnhealthyError } from '../../src/errors.js';
import {
  configureFunctionHealth,
  functionHealth,
  healthSettings,
  onStuckThread,
  type StuckThreadEvent,
} from '../../src/worker/function-health.js';
import type { InferencePool } from '../../src/worker/inference-pool.js';
import {
  acquireInferencePool,
  closeInferencePools,
  whenInferencePoolsFree,
} from '../../src/worker/inference-pools.js';
import { brightLoopModel } from './support/hostile-models.js';
import { untilCpuSpent } from './support/process-cpu.js';

/** Loop iterations of a bright run: a few seconds (a million is about one). */
const TRIPS = 4_000_000;
const STUCK_AFTER_MS = 100;
let dir: string;
let model: string;
const { cores, memoryBytes } = healthSettings();
const events: StuckThreadEvent[] = [];
const stopListening = onStuckThread((e) => events.push(e));

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'obifaas-adv-stuck-pool-'));
  model = path.join(dir, 'bright-loop.onnx');
  await fs.writeFile(model, brightLoopModel(2, TRIPS));
});

afterEach(async () => {
  configureFunctionHealth({ cores, memoryBytes });
  await closeInferencePools();
  // The stuck runs end by themselves: then the cores are free again.
  await whenInferencePoolsFree();
  events.length = 0;
});

afterAll(async () => {
  stopListening();
  configureFunctionHealth({ cores, memoryBytes });
  if (dir) await fs.rm(dir, { recursive: true, force: true });
});

/** One 8x8 image of `value` everywhere (bright: over 2). */
const image = (value: number): Float32Array => new Float32Array(3 * 8 * 8).fill(value);
const predict = (pool: InferencePool, value: number, signal?: AbortSignal) =>
  pool.predict(image(value), 1, [3, 8, 8], pool.info.outputName, signal);

/** Starts a bright run on the pool's first thread, and a plain batch queued behind it. */
async function stuckWithQueued(pool: InferencePool): Promise<{ queued: Promise<unknown> }> {
  const controller = new AbortController();
  const endless = predict(pool, 2.5, controller.signal);
  await untilCpuSpent(0.3, 'the bright run never ran');
  const queued = predict(pool, 0.5);
  controller.abort(new Error('stopped'));
  await expect(endless).rejects.toThrow(/inference stopped/);
  return { queued };
}

const untilEvent = async (): Promise<StuckThreadEvent> => {
  for (let polls = 0; polls < 1_200 && events.length === 0; polls++)
    await new Promise((r) => setTimeout(r, 50));
  const [event] = events;
  if (!event) throw new Error('no thread was marked stuck in a minute');
  return event;
};

describe('a pool thread stuck in a stopped run', () => {
  it("hands the batch queued behind it to the pool's other thread when the cores allow no new one", async () => {
    configureFunctionHealth({ cores: 2 });
    const settings = { intraOpThreads: 1, interOpThreads: 1, replicas: 2 };
    const { pool } = await acquireInferencePool(model, settings, { stuckAfterMs: STUCK_AFTER_MS });
    // A one-image batch goes to the first thread only.
    const { queued } = await stuckWithQueued(pool);
    expect([...((await queued) as { logits: Float32Array }).logits]).toEqual([0.5, 0.5, 0.5]);
    expect(await untilEvent()).toMatchObject({ file: model, cores: 1, outcome: 'rerouted' });
    expect(events[0]?.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(events[0]?.runMs).toBeGreaterThanOrEqual(STUCK_AFTER_MS);
    // One thread left (the stuck one holds a core): the function still serves.
    expect(functionHealth()).toEqual({ ok: true, stuckThreads: 1 });
    const again = await acquireInferencePool(model, settings);
    expect(again).toEqual({ pool, cold: false });
    expect([...(await predict(pool, 0.25)).logits]).toEqual([0.25, 0.25, 0.25]);
  }, 120_000);

  it('fails the batch queued behind it with FunctionUnhealthyError when no thread is left, and says the function cannot serve', async () => {
    configureFunctionHealth({ cores: 1 });
    const settings = { intraOpThreads: 1, interOpThreads: 1, replicas: 1 };
    const { pool } = await acquireInferencePool(model, settings, { stuckAfterMs: STUCK_AFTER_MS });
    const { queued } = await stuckWithQueued(pool);
    await expect(queued).rejects.toBeInstanceOf(FunctionUnhealthyError);
    expect(await untilEvent()).toMatchObject({ outcome: 'cannot-serve' });
    const health = functionHealth();
    expect(health.ok).toBe(false);
    expect(health).toMatchObject({ stuckThreads: 1 });
    await expect(predict(pool, 0.5)).rejects.toBeInstanceOf(FunctionUnhealthyError);
    // A new pool of the model cannot start either: no core is left for its thread.
    await expect(acquireInferencePool(model, settings)).rejects.toThrow(
      /cannot run .*bright-loop\.onnx: stuck inference threads hold 1 of its 1 cores, and the model's threads need 1/,
    );
  }, 120_000);

  it('loads no thread in its place when the memory the stuck thread keeps leaves no room for one, though the cores would allow it', async () => {
    configureFunctionHealth({ cores: 8 });
    const settings = { intraOpThreads: 1, interOpThreads: 1, replicas: 1 };
    const { pool } = await acquireInferencePool(model, settings, { stuckAfterMs: STUCK_AFTER_MS });
    // No room beyond what the process uses now: the stuck thread's model and arena stay in it.
    configureFunctionHealth({ memoryBytes: process.memoryUsage.rss() });
    const { queued } = await stuckWithQueued(pool);
    await expect(queued).rejects.toThrow(
      /cannot load another inference thread of .*bright-loop\.onnx: 1 stuck inference thread\(s\) keep their models' memory/,
    );
    expect(await untilEvent()).toMatchObject({ cores: 1, outcome: 'cannot-serve' });
    expect(functionHealth()).toMatchObject({
      ok: false,
      stuckThreads: 1,
      reason: expect.stringMatching(/keep their models' memory .* MB of its \d+ MB are in use/),
    });
    // A new pool of the model cannot start either: its threads need memory too.
    await expect(acquireInferencePool(model, settings)).rejects.toThrow(
      /cannot load another inference thread/,
    );
  }, 120_000);
});
