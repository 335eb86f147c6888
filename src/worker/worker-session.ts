/**
 * What a worker keeps between splits: the open store, the warm inference pool, the labels.
 * Static invocations process their payload's splits with it; a dynamic worker pulls splits one
 * at a time and calls {@link processSplit} on the same session.
 */
import { ModelError } from '../errors.js';
import { openStore } from '../storage/open-store.js';
import type { BlobStore } from '../storage/blob-store.js';
import type { StorageRef } from '../core/storage-ref.js';
import { acquireInferencePool } from './inference-pool.js';
import { loadLabels, resolveModelFile } from './model-source.js';
import { runPipeline, type StageBusyMs } from './pipeline/run-pipeline.js';
import type { InferencePool } from './inference-pool.js';
import type { ModelRef, PipelineConfig, SplitResult } from '../protocol/invocation.js';
import { checkTaskOutput, type ResolvedTask } from '../protocol/task-output.js';
import { DEFAULT_TASK, type Task } from '../protocol/task-schema.js';
import type { Split } from '../core/splitting.js';

/** A ready worker: model loaded, store open. Close it when the invocation ends. */
export interface WorkerSession {
  store: BlobStore;
  pool: InferencePool;
  config: PipelineConfig;
  /** The job's task, checked against the model's outputs. */
  task: ResolvedTask;
  labels?: readonly string[];
  /** True when this session had to load the model (first use in this process). */
  cold: boolean;
  modelLoadMs: number;
  /** Busy time of each stage, summed over the splits processed so far. */
  busyMs: StageBusyMs;
  images: number;
}

/**
 * Loads (or reuses) the model and opens the store. Throws {@link ModelError} when the model's
 * output does not fit `task` (default: classify the first output) or its labels.
 */
export async function openWorkerSession(
  model: ModelRef,
  storage: StorageRef,
  config: PipelineConfig,
  task: Task = DEFAULT_TASK,
): Promise<WorkerSession> {
  const file = await resolveModelFile(model.uri);
  const labels = model.labelsUri ? await loadLabels(model.labelsUri) : undefined;
  const { predict } = config;
  // The model loads (seconds when cold) while the store opens.
  const [pooled, opened] = await Promise.allSettled([
    acquireInferencePool(file, {
      intraOpThreads: predict.intraOpThreads,
      interOpThreads: predict.interOpThreads,
      replicas: predict.replicas,
    }),
    openStore(storage),
  ]);
  if (pooled.status === 'rejected' || opened.status === 'rejected') {
    if (opened.status === 'fulfilled') await opened.value.close();
    throw pooled.status === 'rejected' ? pooled.reason : (opened as PromiseRejectedResult).reason;
  }
  const { pool, cold } = pooled.value;
  const store = opened.value;
  const labelsFile = { count: labels?.length ?? 0, file: model.labelsUri ?? '' };
  const checked = checkTaskOutput(file, task, pool.info.outputs, labels ? labelsFile : undefined);
  if (!checked.ok) {
    await store.close();
    throw new ModelError(checked.problem);
  }
  const session: WorkerSession = {
    store,
    pool,
    config,
    task: checked.task,
    cold,
    modelLoadMs: cold ? pool.loadMs : 0,
    busyMs: { load: 0, preprocess: 0, predict: 0 },
    images: 0,
  };
  if (labels) session.labels = labels;
  return session;
}

/** Runs the task on one split; every key gets exactly one result, in the split's order. */
export async function processSplit(
  session: WorkerSession,
  split: Split,
  options: { signal?: AbortSignal } = {},
): Promise<SplitResult> {
  const startedAt = Date.now();
  const context = {
    store: session.store,
    predictor: session.pool,
    config: session.config,
    task: session.task,
    ...(session.labels && session.task.kind === 'classify' ? { labels: session.labels } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  };
  const outcome = await runPipeline(split.keys, context);
  session.busyMs.load += outcome.busyMs.load;
  session.busyMs.preprocess += outcome.busyMs.preprocess;
  session.busyMs.predict += outcome.busyMs.predict;
  session.images += split.keys.length;
  return { splitId: split.splitId, results: outcome.results, startedAt, endedAt: Date.now() };
}

/** Releases the session's store; the inference pool stays warm for the next invocation. */
export async function closeWorkerSession(session: WorkerSession): Promise<void> {
  await session.store.close();
}
