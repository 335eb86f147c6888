/**
 * What the start-up benchmarks (function-start, lambda-package) run to a function's first
 * prediction: a static payload that classifies one image of a generated dataset (batch 1,
 * 2 intra-op threads, one replica), and the read access a deployment of the function gives it.
 */
import path from 'node:path';
import type { GeneratedDataset } from '../src/dataset/generate.js';
import { accessToEnv, noAccess } from '../src/protocol/function-access.js';
import type { WorkerPayload } from '../src/protocol/invocation.js';

/** The payload, and the environment that lets the function read the image and `modelFile`. */
export function oneImageRun(
  modelFile: string,
  data: GeneratedDataset,
): { payload: WorkerPayload; access: Record<string, string> } {
  const root = path.dirname(data.manifestPath);
  return {
    payload: {
      kind: 'static',
      jobId: 'bench',
      workerId: 'bench-0',
      model: { uri: modelFile },
      storage: { type: 'fs', root },
      pipeline: {
        load: { concurrency: 1 },
        preprocess: { concurrency: 1 },
        predict: { batchSize: 1, intraOpThreads: 2, interOpThreads: 1, replicas: 1 },
        topK: 5,
      },
      splits: [{ splitId: 's0', keys: data.keys.slice(0, 1) }],
    },
    access: accessToEnv({ ...noAccess(), readRoots: [root, modelFile] }),
  };
}
