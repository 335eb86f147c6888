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
