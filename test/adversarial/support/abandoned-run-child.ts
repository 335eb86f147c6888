/**
 * A process that gives up an inference thread in the middle of a run (`Loop` of `argv[3]`
 * iterations, aborted after 100 ms), reopens the pool, and waits until the given-up run has
 * returned: it prints `alive` at the end unless giving the thread up brought the process down.
 * Usage: `node --import tsx abandoned-run-child.ts <model file> <trip count>`.
 */
import fs from 'node:fs';
import { acquireInferencePool, closeInferencePools } from '../../../src/worker/inference-pool.js';
import { endlessLoopModel } from './hostile-models.js';

const [file, trips] = process.argv.slice(2) as [string, string];
fs.writeFileSync(file, endlessLoopModel(Number(trips)));
const settings = { intraOpThreads: 1, interOpThreads: 1, replicas: 1 };
const { pool } = await acquireInferencePool(file, settings);
const controller = new AbortController();
const running = pool.predict(
  new Float32Array(3 * 8 * 8),
  1,
  [3, 8, 8],
  pool.info.outputName,
  controller.signal,
);
setTimeout(() => controller.abort(new Error('stopped')), 100);
console.log(
  await running.then(
    () => 'ran',
    (err: unknown) => (err as Error).message,
  ),
);
console.log(`reopened: ${(await acquireInferencePool(file, settings)).cold}`);
await closeInferencePools();
// The given-up run takes about a second; it has long returned when this wait ends.
await new Promise((resolve) => setTimeout(resolve, 8_000));
console.log('alive');
