/**
 * ONNX Runtime sessions: created once per thread and model, with one image input (its shape
 * and type are checked against the preprocessing by `preprocess-resolve.ts`). Which output a
 * job reads, and whether it fits the job's task, is checked on the outputs listed here
 * (`protocol/task-output.ts`).
 */
import fs from 'node:fs/promises';
import ort from 'onnxruntime-node';
import { ModelError } from '../errors.js';
import type { ModelInputInfo } from '../protocol/preprocess-resolve.js';
import type { TensorInfo } from '../protocol/task-output.js';
import type { InputBatch } from './tensor.js';
import { int8ProbeNeed } from './int8-probe-need.js';
import { readExternalTensors } from '../models/onnx-external-data.js';

/** Threading of one session. */
export interface SessionSettings {
  intraOpThreads: number;
  interOpThreads: number;
  /**
   * Let idle intra-op threads spin between operators. Off by default: on a small machine a
   * spinning thread takes CPU from image decoding running next to it.
   */
  spinning?: boolean;
}

/** What the pipeline needs to know about a model, read from its graph. */
export interface ModelInfo {
  file: string;
  /** The image input: name, element type and shape (dynamic axes by name). */
  input: ModelInputInfo;
  inputName: string;
  /** The model's first output (what a task reads unless it names another). */
  outputName: string;
  /** Every output, as the runtime declares it (a task's output is checked against these). */
  outputs: TensorInfo[];
  /** The batch size the model requires, or null when its batch axis is dynamic. */
  fixedBatch: number | null;
  /** Values per input of the first output when its shape fixes them. */
  classes: number | null;
  /** True when int8 weights were shifted to uint8 to avoid this CPU's saturating kernels. */
  int8WeightsShifted: boolean;
  /**
   * True when the load awaited the int8 saturation probe (`int8-probe.ts`): the model has
   * quantized operators, or its graph could not be read at the wire level. False for a float
   * model, which loads without it.
   */
  int8Probed: boolean;
}

/** A ready session with its checked metadata. */
export interface ModelSession {
  session: ort.InferenceSession;
  info: ModelInfo;
}

/**
 * Session options tuned for throughput on CPU. `exactInt8` (for CPUs whose uint8 x int8 kernels
 * saturate) has ONNX Runtime rewrite the int8 weights of the int8 kernels it fuses to uint8, which
 * the exact uint8 x uint8 kernels then run (`session.x64quantprecision`).
 */
export function sessionOptions(
  settings: SessionSettings,
  { exactInt8 = false }: { exactInt8?: boolean } = {},
): ort.InferenceSession.SessionOptions {
  return {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'all',
    // Errors only: warnings (such as unused initializers being dropped) are not the user's concern.
    logSeverityLevel: 3,
    executionMode: settings.interOpThreads > 1 ? 'parallel' : 'sequential',
    intraOpNumThreads: settings.intraOpThreads,
    interOpNumThreads: settings.interOpThreads,
    extra: {
      session: {
        intra_op: { allow_spinning: settings.spinning ? '1' : '0' },
        ...(exactInt8 ? { x64quantprecision: '1' } : {}),
      },
    },
  };
}

/** A positive fixed size, or null when the dimension is symbolic/unknown. */
function fixedDim(d: number | string | undefined): number | null {
  return typeof d === 'number' && d > 0 ? d : null;
}

/**
 * Checks that the model has one tensor input and a float32 first output; throws
 * {@link ModelError} naming the file and the problem. The input's shape and type are checked
 * against the preprocessing where it is resolved (`checkResolvedPreprocess`).
 */
export function describeModel(
  file: string,
  inputs: readonly ort.InferenceSession.ValueMetadata[],
  outputs: readonly ort.InferenceSession.ValueMetadata[],
): ModelInfo {
  const need = 'need one image input';
  if (inputs.length !== 1) {
    const names = inputs.map((i) => i.name).join(', ');
    throw new ModelError(`model ${file} has ${inputs.length} inputs (${names}); ${need}`);
  }
  const input = inputs[0] as ort.InferenceSession.ValueMetadata;
  if (!input.isTensor) throw new ModelError(`model ${file}: input '${input.name}' is not a tensor; ${need}`);
  const output = outputs[0];
  if (!output) throw new ModelError(`model ${file} has no outputs`);
  const classDims = output.isTensor ? output.shape.slice(1) : [];
  const classes =
    output.isTensor && classDims.every((d) => fixedDim(d) !== null)
      ? classDims.reduce<number>((a, d) => a * (d as number), 1)
      : null;
  return {
    file,
    input: {
      model: file,
      name: input.name,
      dtype: input.type,
      shape: input.shape.map((d) =>
        typeof d === 'number' && d > 0 ? d : typeof d === 'string' && d !== '' ? d : '?',
      ),
    },
    inputName: input.name,
    outputName: output.name,
    outputs: outputs.map(tensorInfo),
    fixedBatch: fixedDim(input.shape[0]),
    classes,
    int8WeightsShifted: false,
    int8Probed: false,
  };
}

/** An output as the task checks read it (an empty shape is one the model does not declare). */
function tensorInfo(value: ort.InferenceSession.ValueMetadata): TensorInfo {
  if (!value.isTensor) return { name: value.name, type: 'non-tensor', shape: null };
  return { name: value.name, type: value.type, shape: value.shape.length === 0 ? null : [...value.shape] };
}

/** Creates a session on `file` and checks it; errors name the file and what is wrong. */
export async function createModelSession(file: string, settings: SessionSettings): Promise<ModelSession> {
  let stat;
  try {
    stat = await fs.stat(file);
  } catch {
    throw new ModelError(`model file not found: ${file}`);
  }
  if (!stat.isFile()) throw new ModelError(`model path is not a file: ${file}`);
  if (stat.size === 0) throw new ModelError(`model file is empty (0 bytes): ${file}`);
  let session: ort.InferenceSession;
  let shifted: Uint8Array | null = null;
  // The probe's answer matters only to a model that can reach the uint8 x int8 kernels; the
  // probe and the weight rewrite (and the protobufjs they use) load only for such a model.
  const probed = int8ProbeNeed(file).needed;
  const saturates = probed && (await (await import('./int8-probe.js')).u8s8Saturates());
  try {
    // A model loaded from bytes has no folder: the runtime would look for its external data in
    // the working directory (and refuse it), so a model with external data loads from its file.
    if (saturates && readExternalTensors(file).length === 0)
      shifted = (await import('./int8-weights.js')).shiftInt8Weights(await fs.readFile(file));
  } catch {
    shifted = null; // not a protobuf we can read: let the runtime say what is wrong
  }
  try {
    const options = sessionOptions(settings, { exactInt8: saturates });
    session = shifted
      ? await ort.InferenceSession.create(shifted, options)
      : await ort.InferenceSession.create(file, options);
  } catch (err) {
    const why = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw new ModelError(`cannot load model ${file}: not a valid ONNX model for this runtime (${why})`, {
      cause: err,
    });
  }
  try {
    const info = describeModel(file, session.inputMetadata, session.outputMetadata);
    return { session, info: { ...info, int8WeightsShifted: shifted !== null, int8Probed: probed } };
  } catch (err) {
    await session.release();
    throw err;
  }
}

const cache = new Map<string, Promise<ModelSession>>();

function cacheKey(file: string, settings: SessionSettings): string {
  return `${file}|${settings.intraOpThreads}|${settings.interOpThreads}|${settings.spinning ? 1 : 0}`;
}

/**
 * The session for `file` with these settings, created on first use and kept for the life of
 * the thread (warm invocations reuse it). A failed creation is not cached.
 */
export function cachedModelSession(file: string, settings: SessionSettings): Promise<ModelSession> {
  const key = cacheKey(file, settings);
  let entry = cache.get(key);
  if (!entry) {
    entry = createModelSession(file, settings);
    cache.set(key, entry);
    entry.catch(() => cache.delete(key));
  }
  return entry;
}

/**
 * Runs one batch (`count` images of `imageShape` each, float32 or uint8) and returns output
 * `outputName` (default: the first), `count x classes` values: a classifier's logits, or any
 * output flattened per input.
 */
export async function runBatch(
  model: ModelSession,
  batch: InputBatch,
  count: number,
  imageShape: readonly number[],
  outputName = model.info.outputName,
): Promise<{ logits: Float32Array; classes: number }> {
  const { inputName } = model.info;
  const input =
    batch instanceof Uint8Array
      ? new ort.Tensor('uint8', batch, [count, ...imageShape])
      : new ort.Tensor('float32', batch, [count, ...imageShape]);
  const outputs = await model.session.run({ [inputName]: input }, [outputName]);
  const output = outputs[outputName];
  const where = `model ${model.info.file}: output '${outputName}'`;
  if (!output) throw new Error(`model ${model.info.file} produced no output '${outputName}'`);
  const logits = output.data;
  if (!(logits instanceof Float32Array)) throw new Error(`${where} is not float32`);
  if (logits.length === 0 || logits.length % count !== 0) {
    throw new Error(
      `${where} has ${logits.length} values for ${count} inputs [${output.dims.join(', ')}]; expected one row of values per input`,
    );
  }
  return { logits, classes: logits.length / count };
}
