/**
 * A process whose invocation is stopped in the middle of a run (`Loop` of `argv[3]` iterations,
 * aborted once the run has spent CPU time) in a pool that marks a thread stuck 1 ms after its run
 * was stopped (far less than its iterations take): the next acquire gets a new thread (a fresh
 * load) and the given-up thread ends by itself once its run returns. It prints `alive` at the end unless giving the
 * thread up brought the process down. Waits are on events, each bounded and loud.
 * Usage: `node --import tsx abandoned-run-child.ts <model file> <trip count>`.
 */
import fs from 'node:fs';
import { once } from 'node:events';
import type { Worker } from 'node:worker_threads';
import { configureFunctionHealth } from '../../../src/worker/function-health.js';
import { acquireInferencePool, closeInferencePools } from '../../../src/worker/inference-pools.js';
import { endlessLoopModel } from './hostile-models.js';
import { untilCpuSpent } from './process-cpu.js';

const [file, trips] = process.argv.slice(2) as [string, string];
fs.writeFileSync(file, endlessLoopModel(Number(trips)));
const threads: Worker[] = [];
process.on('worker', (worker: Worker) => threads.push(worker));
const settings = { intraOpThreads: 1, interOpThreads: 1, replicas: 1 };
// Two cores: the stuck thread's and its replacement's, whatever this machine has.
configureFunctionHealth({ cores: 2 });
const { pool } = await acquireInferencePool(file, settings, { stuckAfterMs: 1 });
const [givenUp] = threads;
if (threads.length !== 1 || !givenUp) throw new Error(`expected 1 inference thread, saw ${threads.length}`);
const ended = once(givenUp, 'exit');
const controller = new AbortController();
const running = pool.predict(
  new Float32Array(3 * 8 * 8),
  1,
  [3, 8, 8],
  pool.info.outputName,
  controller.signal,
);
await untilCpuSpent(0.2, 'the loop never ran');
controller.abort(new Error('stopped'));
console.log(
  await running.then(
    () => 'ran',
    (err: unknown) => (err as Error).message,
  ),
);
console.log(`reopened: ${(await acquireInferencePool(file, settings)).cold}`);
await closeInferencePools();
// The given-up thread ends by itself once its run returns.
const bound = setTimeout(() => {
  console.error('the given-up thread did not end within 40 s');
  process.exit(1);
}, 40_000);
await ended;
clearTimeout(bound);
console.log('alive');
