/**
 * The worker's three stages over bounded queues: load (storage reads), preprocess (decode to a
 * cropped RGB image) and predict (batches on the inference threads). The stages run at the same
 * time, so decoding and I/O of the next batch hide behind inference of the current one.
 */
import { setMaxListeners } from 'node:events';
import { FunctionUnhealthyError, messageOf } from '../../errors.js';
import type { BlobStore } from '../../storage/blob-store.js';
import { readErrorKind } from '../../storage/read-error-kind.js';
import { BoundedQueue } from '../../util/bounded-queue.js';
import { Semaphore } from '../../util/semaphore.js';
import type { Prediction } from '../inference-pool.js';
import { cropRgb } from '../preprocess.js';
import { tensorWriter, type InputBatch } from '../tensor.js';
import type { ModelInfo } from '../session.js';
import type { InputErrorKind, InputResult } from '../../core/prediction.js';
import type { PipelineConfig } from '../../protocol/invocation.js';
import type { ResolvedPreprocess } from '../../protocol/preprocess.js';
import type { ResolvedTask } from '../../protocol/task-output.js';
import { ByteBudget } from './byte-budget.js';
import { readRow } from './postprocess.js';

/** Largest input object we read (bytes); anything bigger is that input's error. */
export const MAX_INPUT_BYTES = 64 * 1024 * 1024;

/**
 * Bytes of loaded, not yet decoded inputs that the load stage may hold (a soft cap: loads wait
 * while it is reached), so that a dataset of huge files cannot exhaust memory.
 */
export const MAX_LOADED_BYTES = 256 * 1024 * 1024;

/** Batches handed to the inference threads but not finished yet: one running, one waiting. */
const BATCHES_IN_FLIGHT = 2;

/** What runs the model: the inference pool, or anything with the same contract. */
export interface Predictor {
  readonly info: ModelInfo;
  /**
   * Output `output` for `count` images of `imageShape` each (the buffer may be handed over);
   * rejects at once when `signal` aborts.
   */
  predict(
    batch: InputBatch,
    count: number,
    imageShape: readonly number[],
    output: string,
    signal?: AbortSignal,
  ): Promise<Prediction>;
}

/** Everything the stages work with. */
export interface PipelineContext {
  store: BlobStore;
  predictor: Predictor;
  config: PipelineConfig;
  /** How image bytes become the model's input (checked against the model). */
  preprocess: ResolvedPreprocess;
  /** What to read from the model's output, and how. */
  task: ResolvedTask;
  /** Class names, line i = class i. */
  labels?: readonly string[];
  signal?: AbortSignal;
}

/** Busy time of each stage, summed over its concurrent tasks. */
export interface StageBusyMs {
  load: number;
  preprocess: number;
  predict: number;
}

/** The results, in input order, one per key. */
export interface PipelineOutcome {
  results: InputResult[];
  busyMs: StageBusyMs;
}

/**
 * Why an input has no bytes or image: the error and, for a failed read, whether reading it again
 * may help (a decode or prediction error says nothing: it is permanent).
 */
interface InputFailure {
  error: string;
  errorKind?: InputErrorKind;
}

interface Loaded {
  index: number;
  bytes: Buffer | null;
  failure: InputFailure | null;
}

interface Prepared {
  index: number;
  rgb: Buffer | null;
  failure: InputFailure | null;
}

/**
 * Runs the task on `keys` and returns one result per key, in the same order: predictions or a
 * vector, or an error saying why that input has none. Never throws for a bad input; throws
 * when `signal` aborts, and {@link FunctionUnhealthyError} when the function cannot run the
 * model (its threads stuck in stopped runs): another function may run the same inputs.
 */
export async function runPipeline(keys: readonly string[], ctx: PipelineContext): Promise<PipelineOutcome> {
  const { config, signal } = ctx;
  // Every read in flight listens to the signal (the S3 client adds one listener per request):
  // up to load.concurrency listeners, and no leak, so no "possible memory leak" warning.
  if (signal) setMaxListeners(0, signal);
  const busyMs: StageBusyMs = { load: 0, preprocess: 0, predict: 0 };
  const results: (InputResult | undefined)[] = new Array(keys.length);
  const batchSize = config.predict.batchSize;
  const loaded = new BoundedQueue<Loaded>(Math.max(config.load.concurrency, batchSize));
  const prepared = new BoundedQueue<Prepared>(batchSize);
  let unhealthy: FunctionUnhealthyError | undefined;
  const fail = (index: number, error: string, errorKind?: InputErrorKind): void => {
    const key = keys[index] as string;
    results[index] = errorKind ? { key, top: null, error, errorKind } : { key, top: null, error };
  };

  const budget = new ByteBudget(MAX_LOADED_BYTES);
  let nextKey = 0;
  const loaders = Array.from({ length: Math.min(config.load.concurrency, keys.length) }, async () => {
    while (nextKey < keys.length && !signal?.aborted) {
      await budget.whenBelowLimit();
      if (nextKey >= keys.length) break;
      const index = nextKey++;
      const key = keys[index] as string;
      const t0 = performance.now();
      let item: Loaded;
      try {
        const bytes = await ctx.store.get(key, { signal, maxBytes: MAX_INPUT_BYTES });
        budget.take(bytes.length);
        item = { index, bytes, failure: null };
      } catch (err) {
        const failure = { error: `cannot load '${key}': ${messageOf(err)}`, errorKind: readErrorKind(err) };
        item = { index, bytes: null, failure };
      }
      busyMs.load += performance.now() - t0;
      await loaded.push(item);
    }
  });
  const loading = Promise.all(loaders).finally(() => loaded.close());

  const preprocessors = Array.from({ length: config.preprocess.concurrency }, async () => {
    for await (const item of loaded) {
      if (!item.bytes) {
        await prepared.push({ index: item.index, rgb: null, failure: item.failure });
        continue;
      }
      const t0 = performance.now();
      let out: Prepared;
      try {
        out = { index: item.index, rgb: await cropRgb(item.bytes, ctx.preprocess), failure: null };
      } catch (err) {
        // The decoder's own `cannot decode image: ` would say it twice.
        const error = `cannot decode '${keys[item.index]}': ${messageOf(err).replace(/^cannot decode image: /, '')}`;
        out = { index: item.index, rgb: null, failure: { error } };
      }
      busyMs.preprocess += performance.now() - t0;
      budget.give(item.bytes.length);
      await prepared.push(out);
    }
  });
  const preprocessing = Promise.all(preprocessors).finally(() => prepared.close());

  const inFlight = new Semaphore(BATCHES_IN_FLIGHT);
  const running: Promise<void>[] = [];
  const writer = tensorWriter(ctx.preprocess);
  const dispatch = async (batch: Prepared[]): Promise<void> => {
    await inFlight.acquire();
    const tensor = writer.allocate(batch.length);
    batch.forEach((item, slot) => writer.write(item.rgb as Buffer, tensor, slot));
    const reader = { task: ctx.task, topK: config.topK, ...(ctx.labels ? { labels: ctx.labels } : {}) };
    const run = ctx.predictor
      .predict(tensor, batch.length, writer.imageShape, ctx.task.output, signal)
      .then((prediction) => {
        busyMs.predict += prediction.busyMs;
        const width = prediction.classes;
        if (ctx.task.kind === 'classify' && ctx.labels && ctx.labels.length !== width) {
          throw new Error(
            `output '${ctx.task.output}' has ${width} classes but the labels file has ${ctx.labels.length} names`,
          );
        }
        batch.forEach((item, slot) => {
          const row = prediction.logits.subarray(slot * width, (slot + 1) * width);
          results[item.index] = readRow(keys[item.index] as string, row, reader);
        });
      })
      .catch((err: unknown) => {
        if (err instanceof FunctionUnhealthyError) unhealthy ??= err;
        for (const item of batch)
          fail(item.index, `prediction failed for '${keys[item.index]}': ${messageOf(err)}`);
      })
      .finally(() => inFlight.release());
    running.push(run);
  };

  let pending: Prepared[] = [];
  for await (const item of prepared) {
    if (!item.rgb) {
      fail(item.index, item.failure?.error ?? 'unknown error', item.failure?.errorKind);
      continue;
    }
    pending.push(item);
    if (pending.length === batchSize) {
      await dispatch(pending);
      pending = [];
    }
  }
  if (pending.length > 0) await dispatch(pending);
  await Promise.all([loading, preprocessing, ...running]);
  signal?.throwIfAborted();
  if (unhealthy) throw unhealthy;

  return {
    results: results.map((r, i) => r ?? { key: keys[i] as string, top: null, error: 'not processed' }),
    busyMs,
  };
}
