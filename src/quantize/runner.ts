/**
 * Runs a model in ONNX Runtime over preprocessed images, batch by batch, with chosen
 * intermediate tensors exposed as outputs; and reads what the runtime makes of a model (tensor
 * types, the optimized graph it runs).
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import ort from 'onnxruntime-node';
import { readGraph } from '../models/onnx-graph.js';
import { u8s8Saturates } from '../worker/int8-probe.js';

/** The model's image input. */
export interface ImageInput {
  name: string;
  height: number;
  width: number;
  /** Batch size the model requires, or null when any batch works. */
  fixedBatch: number | null;
}

/** Type and shape of a tensor as the runtime infers them. */
export interface TensorInfo {
  type: string;
  shape: ReadonlyArray<number | string>;
}

/** How a run is optimised: fully (as a job runs), or not at all (Q/DQ computed in float32). */
export type Optimisation = 'all' | 'disabled';

export function runnerOptions(optimisation: Optimisation): ort.InferenceSession.SessionOptions {
  return {
    executionProviders: ['cpu'],
    graphOptimizationLevel: optimisation,
    logSeverityLevel: 3,
    intraOpNumThreads: os.availableParallelism(),
    interOpNumThreads: 1,
  };
}

/** What the runtime says of a model's inputs and outputs. */
export interface ModelMetadata {
  inputs: readonly ort.InferenceSession.ValueMetadata[];
  outputs: readonly ort.InferenceSession.ValueMetadata[];
  /** Type and shape of every tensor output. */
  info: Map<string, TensorInfo>;
}

/** Loads `bytes` (a model with tensors exposed as outputs) and reads its inputs and outputs. */
export async function modelMetadata(bytes: Uint8Array): Promise<ModelMetadata> {
  const session = await ort.InferenceSession.create(bytes, runnerOptions('disabled'));
  try {
    const info = new Map<string, TensorInfo>();
    for (const m of session.outputMetadata) {
      if (m.isTensor) info.set(m.name, { type: m.type, shape: m.shape });
    }
    return { inputs: session.inputMetadata, outputs: session.outputMetadata, info };
  } finally {
    await session.release();
  }
}

/** Bytes of exposed outputs one batch may hold. */
const BATCH_OUTPUT_BYTES = 192 * 1024 * 1024;
const MAX_BATCH = 16;

/** A batch size that keeps the exposed outputs of one batch within a memory budget. */
export function batchSizeFor(input: ImageInput, exposed: Iterable<TensorInfo>): number {
  if (input.fixedBatch !== null) return input.fixedBatch;
  let perImage = 3 * input.height * input.width * 4;
  for (const t of exposed) {
    const dims = t.shape.slice(1).map((d) => (typeof d === 'number' && d > 0 ? d : 64));
    perImage += dims.reduce((a, d) => a * d, 1) * 4;
  }
  return Math.max(1, Math.min(MAX_BATCH, Math.floor(BATCH_OUTPUT_BYTES / perImage)));
}

/**
 * Runs `bytes` over `images` in batches and calls `visit` with the outputs named in `fetch`
 * (float32 data) for each batch.
 */
export async function forEachBatch(
  bytes: Uint8Array,
  optimisation: Optimisation,
  input: ImageInput,
  images: readonly Float32Array[],
  fetch: readonly string[],
  batchSize: number,
  visit: (outputs: Map<string, Float32Array>, start: number, count: number) => void,
): Promise<void> {
  const session = await ort.InferenceSession.create(bytes, runnerOptions(optimisation));
  const per = 3 * input.height * input.width;
  try {
    for (let start = 0; start < images.length; start += batchSize) {
      const count = Math.min(batchSize, images.length - start);
      if (input.fixedBatch !== null && count !== input.fixedBatch) break;
      const data = new Float32Array(count * per);
      for (let i = 0; i < count; i++) data.set(images[start + i] as Float32Array, i * per);
      const feeds = { [input.name]: new ort.Tensor('float32', data, [count, 3, input.height, input.width]) };
      const results = await session.run(feeds, [...fetch]);
      const outputs = new Map<string, Float32Array>();
      for (const name of fetch) {
        const t = results[name];
        if (t && t.data instanceof Float32Array) outputs.set(name, t.data);
      }
      visit(outputs, start, count);
      for (const t of Object.values(results)) t.dispose();
    }
  } finally {
    await session.release();
  }
}

/**
 * The operators of the graph ONNX Runtime runs for `bytes` after its optimisations, counted by
 * `domain:op` (the default domain without a prefix), read from its optimized-model output.
 */
export async function optimizedOperators(bytes: Uint8Array): Promise<Record<string, number>> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'obifaas-optimized-'));
  try {
    const file = path.join(dir, 'optimized.onnx');
    const session = await ort.InferenceSession.create(bytes, {
      ...runnerOptions('all'),
      // As a job's worker loads it: int8 weights become uint8 where uint8 x int8 saturates.
      ...((await u8s8Saturates()) ? { extra: { session: { x64quantprecision: '1' } } } : {}),
      optimizedModelFilePath: file,
    });
    await session.release();
    const graph = readGraph(await fs.readFile(file));
    const counts: Record<string, number> = {};
    for (const n of graph.nodes) {
      const key = n.domain && n.domain !== 'ai.onnx' ? `${n.domain}:${n.opType}` : n.opType;
      counts[key] = (counts[key] ?? 0) + 1;
    }
    return counts;
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}
