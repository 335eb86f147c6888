/** Defaults of the worker pipeline, tuned for a 2-core function running ResNet50. */
import os from 'node:os';
import type { PipelineConfig } from '../protocol/invocation.js';

export function defaultPipelineConfig(cores = os.availableParallelism()): PipelineConfig {
  return {
    load: { concurrency: 32 },
    preprocess: { concurrency: 4 },
    predict: { batchSize: 32, intraOpThreads: Math.max(1, cores), interOpThreads: 1, replicas: 1 },
    topK: 5,
  };
}

/**
 * Longest a stopped invocation's run (whose output is discarded) may go on in its inference
 * thread before the thread is marked stuck (`function-health.ts`): a run that takes longer is
 * treated as one that never ends. The next invocation waits for the thread at most this long.
 * Longer than one batch normally runs.
 */
export const STOPPED_RUN_WAIT_MS = 10_000;
