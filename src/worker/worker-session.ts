/**
 * What a worker keeps between splits: the open store, the warm inference pool, the labels.
 * Static invocations process their payload's splits with it; a dynamic worker pulls splits one
 * at a time and calls {@link processSplit} on the same session.
 */
import { ModelError } from '../errors.js';
import { openStore } from '../storage/open-store.js';
import type { BlobStore } from '../storage/blob-store.js';
import type { StorageRef } from '../core/storage-ref.js';
import { acquireInferencePool } from './inference-pools.js';
import { preloadImageDecoder } from './image-decoder.js';
import { loadLabels, resolveModelFile, type LabelsReadCheck } from './model-source.js';
import type { ModelDigestCheck } from './model-digest-cache.js';
import { runPipeline, type StageBusyMs } from './pipeline/run-pipeline.js';
import type { InferencePool } from './inference-pool.js';
import type { ModelRef, PipelineConfig, SplitResult, StaticSplit } from '../protocol/invocation.js';
import type { ResolvedPreprocess } from '../protocol/preprocess.js';
import { checkResolvedPreprocess, resolvePreprocess } from '../protocol/preprocess-resolve.js';
import type { Issue } from '../errors.js';
import type { ModelInfo } from './session.js';
import { readMetadataProps } from '../models/metadata-props.js';
import { contractFromMetadata } from '../models/model-contract.js';
import { checkTaskOutput, type ResolvedTask } from '../protocol/task-output.js';
import { DEFAULT_TASK, type Task } from '../protocol/task-schema.js';
import type { ReadErrorFault } from '../core/faults.js';
import { withInjectedReadErrors } from './injected-read-errors.js';

/** A ready worker: model loaded, store open. Close it when the invocation ends. */
export interface WorkerSession {
  store: BlobStore;
  /** The inference pool the last split ran on. */
  pool: InferencePool;
  /**
   * The pool for the next split: the same one, or (after a stopped split's run outlasted the
   * wait, see `acquireInferencePool`) a new one.
   */
  acquirePool: () => Promise<{ pool: InferencePool; cold: boolean }>;
  config: PipelineConfig;
  /** How image bytes become the model's input. */
  preprocess: ResolvedPreprocess;
  /** The job's task, checked against the model's outputs. */
  task: ResolvedTask;
  labels?: readonly string[];
  /** How the labels file's bytes were checked against the job's digest (absent: not checked). */
  labelsDigest?: ModelDigestCheck;
  /** True when this session had to load the model (first use in this process, or again). */
  cold: boolean;
  /** Model load time, summed over the loads this session made. */
  modelLoadMs: number;
  /** Busy time of each stage, summed over the splits processed so far. */
  busyMs: StageBusyMs;
  images: number;
}

/** The class names a model carries in its metadata (`obifaas.labels`), if any. */
async function declaredLabels(file: string): Promise<string[] | undefined> {
  let props: Map<string, string>;
  try {
    props = await readMetadataProps(file);
  } catch {
    return undefined; // not a model we can scan: the runtime says what is wrong with it
  }
  const { contract, issues } = contractFromMetadata(props, file);
  if (issues.length > 0) throw modelError(issues);
  return contract.labels;
}

function modelError(issues: readonly Issue[]): ModelError {
  return new ModelError(issues.map((i) => `${i.path}: ${i.message}`).join('; '));
}

/**
 * The payload's preprocessing, checked against the model's input, or (without one) preset
 * `imagenet` at the model's size. Throws {@link ModelError} when the model does not fit it.
 */
export function preprocessFor(model: ModelRef, info: ModelInfo): ResolvedPreprocess {
  if (model.preprocess) {
    const issues = checkResolvedPreprocess(model.preprocess, info.input, 'the payload');
    if (issues.length > 0) throw modelError(issues);
    return model.preprocess;
  }
  const resolved = resolvePreprocess([], info.input);
  if (resolved.issues.length > 0) throw modelError(resolved.issues);
  return resolved.preprocess;
}

/**
 * Loads (or reuses) the model and opens the store. Throws {@link ModelError} when the model's
 * output does not fit `task` (default: classify the first output) or its labels, and what
 * `checkLabels` throws for the labels file's bytes (labels changed since the job started).
 */
export async function openWorkerSession(
  model: ModelRef,
  storage: StorageRef,
  config: PipelineConfig,
  task: Task = DEFAULT_TASK,
  checkLabels?: LabelsReadCheck,
): Promise<WorkerSession> {
  const file = await resolveModelFile(model.uri);
  const { predict } = config;
  // The model loads (seconds when cold) in its inference threads, started first; meanwhile this
  // thread reads the labels, opens the store and loads the image decoder.
  const acquirePool = (): ReturnType<typeof acquireInferencePool> =>
    acquireInferencePool(file, {
      intraOpThreads: predict.intraOpThreads,
      interOpThreads: predict.interOpThreads,
      replicas: predict.replicas,
    });
  const pooling = acquirePool();
  preloadImageDecoder();
  let labelsDigest: ModelDigestCheck | undefined;
  const noteLabelsCheck: LabelsReadCheck | undefined =
    checkLabels && ((labelsFile, read) => (labelsDigest = checkLabels(labelsFile, read)));
  const [pooled, opened, labelled] = await Promise.allSettled([
    pooling,
    openStore(storage),
    model.labelsUri ? loadLabels(model.labelsUri, noteLabelsCheck) : declaredLabels(file),
  ]);
  if (pooled.status === 'rejected' || opened.status === 'rejected' || labelled.status === 'rejected') {
    if (opened.status === 'fulfilled') await opened.value.close();
    const failed = [labelled, pooled, opened].find((r) => r.status === 'rejected') as PromiseRejectedResult;
    throw failed.reason;
  }
  const labels = labelled.value;
  const { pool, cold } = pooled.value;
  const store = opened.value;
  // The input first, then the output: a model is described in the order it runs.
  let preprocess: ResolvedPreprocess;
  try {
    preprocess = preprocessFor(model, pool.info);
  } catch (err) {
    await store.close();
    throw err;
  }
  const labelsFile = { count: labels?.length ?? 0, file: model.labelsUri ?? '(the obifaas.labels metadata)' };
  const checked = checkTaskOutput(file, task, pool.info.outputs, labels ? labelsFile : undefined);
  if (!checked.ok) {
    await store.close();
    throw new ModelError(checked.problem);
  }
  const session: WorkerSession = {
    store,
    pool,
    acquirePool,
    config,
    preprocess,
    task: checked.task,
    cold,
    modelLoadMs: cold ? pool.loadMs : 0,
    busyMs: { load: 0, preprocess: 0, predict: 0 },
    images: 0,
  };
  if (labels) session.labels = labels;
  if (labelsDigest) session.labelsDigest = labelsDigest;
  return session;
}

/**
 * Runs the task on one split; every key gets exactly one result, in the split's order. With
 * `readErrors` (an injected fault), the reads it picks for the split's attempt fail.
 */
export async function processSplit(
  session: WorkerSession,
  split: StaticSplit,
  options: { signal?: AbortSignal; readErrors?: ReadErrorFault | undefined } = {},
): Promise<SplitResult> {
  const startedAt = Date.now();
  // A split given up before this one (a dynamic worker's cancelled split) may still occupy the
  // threads: wait for them, or load the model again if its run does not end.
  const { pool, cold } = await session.acquirePool();
  if (cold) {
    session.cold = true;
    session.modelLoadMs += pool.loadMs;
  }
  session.pool = pool;
  const context = {
    store: options.readErrors
      ? withInjectedReadErrors(session.store, options.readErrors, split.attempt ?? 0)
      : session.store,
    predictor: session.pool,
    config: session.config,
    preprocess: session.preprocess,
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
