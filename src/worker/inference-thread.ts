/**
 * Body of one inference thread: owns one ONNX Runtime session and runs the batches posted to it.
 * `session.run()` occupies the thread it runs on; here that is this thread, so the main thread
 * stays free to load and decode the next images meanwhile.
 */
import { parentPort, threadId, workerData } from 'node:worker_threads';
import { messageOf } from '../errors.js';
import { cachedModelSession, runBatch, type ModelSession, type SessionSettings } from './session.js';
import { ABANDONED_SLOTS, STOP_INDEX, type ThreadReply, type ThreadRequest } from './inference-protocol.js';
import type { InputBatch } from './tensor.js';
import { useInt8ProbeSlot, type Int8ProbeSlot } from './int8-probe-slot.js';

const { file, settings, int8Slot, stop } = workerData as {
  file: string;
  settings: SessionSettings;
  /** Where the process's threads share the int8 probe's answer (the pool always gives one). */
  int8Slot?: Int8ProbeSlot;
  /**
   * Shared with the pool (a thread started by hand may have none): the stop flag, set to 1 when
   * the pool gives this thread up, then the ids of requests whose invocation was stopped.
   */
  stop?: SharedArrayBuffer;
};
const shared = stop ? new Int32Array(stop) : null;
/** Once the pool gave this thread up: no more runs, and the thread ends after the current one. */
const stopped = (): boolean => shared !== null && Atomics.load(shared, STOP_INDEX) === 1;
/** Whether request `id` was abandoned by its invocation (then it is not worth running). */
const abandoned = (id: number): boolean =>
  shared !== null && Atomics.load(shared, 1 + (id % ABANDONED_SLOTS)) === id;
const port = parentPort;
if (!port) throw new Error('inference-thread must run in a worker thread');
if (int8Slot) useInt8ProbeSlot(int8Slot, threadId);

function reply(message: ThreadReply, transfer: ArrayBuffer[] = []): void {
  port?.postMessage(message, transfer);
}

/** Runs `count` images, in chunks of the model's fixed batch size when it has one. */
async function run(
  model: ModelSession,
  batch: InputBatch,
  count: number,
  imageShape: readonly number[],
  output: string,
): Promise<Float32Array> {
  const fixed = model.info.fixedBatch;
  if (fixed === null || fixed === count)
    return (await runBatch(model, batch, count, imageShape, output)).logits;
  const perImage = batch.length / count;
  const parts: Float32Array[] = [];
  for (let start = 0; start < count; start += fixed) {
    const n = Math.min(fixed, count - start);
    const chunk =
      batch instanceof Uint8Array ? new Uint8Array(fixed * perImage) : new Float32Array(fixed * perImage);
    chunk.set(batch.subarray(start * perImage, (start + n) * perImage));
    const { logits, classes } = await runBatch(model, chunk, fixed, imageShape, output);
    parts.push(logits.subarray(0, n * classes));
  }
  const out = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

async function main(): Promise<void> {
  const started = performance.now();
  let model: ModelSession;
  try {
    model = await cachedModelSession(file, settings);
  } catch (err) {
    reply({
      type: 'load-failed',
      message: messageOf(err),
      modelError: (err as Error)?.name === 'ModelError',
    });
    return;
  }
  reply({ type: 'ready', info: model.info, loadMs: performance.now() - started });
  // Requests are handled one at a time, in arrival order: the session runs one batch at a time.
  let chain = Promise.resolve();
  port?.on('message', (request: ThreadRequest) => {
    chain = chain.then(async () => {
      if (stopped()) process.exit(0); // ends this thread only
      await answer(model, request);
      if (stopped()) process.exit(0);
    });
  });
}

/** Runs one request and replies; one whose invocation was stopped before it started is skipped. */
async function answer(model: ModelSession, request: ThreadRequest): Promise<void> {
  const { batch } = request;
  if (abandoned(request.id)) {
    reply({ type: 'skipped', id: request.id, input: batch }, [batch.buffer as ArrayBuffer]);
    return;
  }
  const t0 = performance.now();
  try {
    const logits = await run(model, batch, request.count, request.imageShape, request.output);
    const copy = new Float32Array(logits);
    reply({ type: 'result', id: request.id, logits: copy, runMs: performance.now() - t0, input: batch }, [
      copy.buffer,
      batch.buffer as ArrayBuffer,
    ]);
  } catch (err) {
    reply({ type: 'run-failed', id: request.id, message: messageOf(err) });
  }
}

void main();
