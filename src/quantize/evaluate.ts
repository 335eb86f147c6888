/**
 * How far the int8 model is from the float32 one:
 * - per layer, on calibration images: the float32 model's activations against the QDQ model's
 *   dequantized ones computed without fusion (the error accumulated up to that layer), and
 *   each activation against its own quantize-dequantize (that tensor's rounding alone);
 * - at the output, on held-out images: top-1 agreement and logit error of the int8 model as a
 *   job runs it (the worker's session, fused int8 kernels) against the float32 model.
 */
import { createModelSession, runBatch } from '../worker/session.js';
import type { OnnxGraph } from '../models/onnx-graph.js';
import { editGraph, readGraph } from '../models/onnx-graph.js';
import { type ActivationParams, fakeQuantU8, sqnrDb } from './quant-math.js';
import { batchSizeFor, forEachBatch, type ImageInput, type TensorInfo } from './runner.js';

/** Error of one tensor, in dB of signal over noise. */
export interface TensorError {
  /** Float32 model against the simulated int8 model (error accumulated up to here). */
  sqnrDb: number;
  /** The tensor against its own quantize-dequantize; null for a tensor left in float32. */
  roundingSqnrDb: number | null;
}

/**
 * Per-tensor errors of `tensors` (names in the float32 model) over `images`: `simulated` maps
 * each to its name in the QDQ model, `params` gives the quantized ones' parameters.
 */
export async function tensorErrors(
  floatGraph: OnnxGraph,
  qdqBytes: Uint8Array,
  tensors: ReadonlyMap<string, string>,
  params: ReadonlyMap<string, ActivationParams>,
  input: ImageInput,
  images: readonly Float32Array[],
  info: ReadonlyMap<string, TensorInfo>,
): Promise<Map<string, TensorError>> {
  const names = [...tensors.keys()];
  const floatBytes = editGraph(floatGraph, { addOutputs: names.map((name) => ({ name }) as never) });
  const qdqGraph = readGraph(qdqBytes);
  const existing = new Set(qdqGraph.outputs.map((o) => o.name));
  const simulatedNames = [...new Set(tensors.values())];
  const qdqExposed = editGraph(qdqGraph, {
    addOutputs: simulatedNames.filter((n) => !existing.has(n)).map((name) => ({ name }) as never),
  });
  const batch = Math.max(
    1,
    Math.floor(
      batchSizeFor(
        input,
        names.map((t) => info.get(t)).filter((t) => t !== undefined),
      ) / 2,
    ),
  );
  const sums = new Map(names.map((n) => [n, { signal: 0, noise: 0, rounding: 0 }]));
  // Batches of float activations wait for the simulated run over the same images.
  for (let start = 0; start < images.length; start += batch) {
    const slice = images.slice(start, start + batch);
    const floats = new Map<string, Float32Array>();
    await forEachBatch(floatBytes, 'all', input, slice, names, batch, (outputs) => {
      for (const [k, v] of outputs) floats.set(k, v);
    });
    await forEachBatch(qdqExposed, 'disabled', input, slice, simulatedNames, batch, (outputs) => {
      for (const [tensor, simulated] of tensors) {
        const x = floats.get(tensor);
        const y = outputs.get(simulated);
        const s = sums.get(tensor);
        if (!x || !y || !s || x.length !== y.length) continue;
        const p = params.get(tensor);
        for (let i = 0; i < x.length; i++) {
          const v = x[i] as number;
          s.signal += v * v;
          s.noise += (v - (y[i] as number)) ** 2;
          if (p) s.rounding += (v - fakeQuantU8(v, p)) ** 2;
        }
      }
    });
  }
  return new Map(
    [...sums].map(([t, s]) => [
      t,
      {
        sqnrDb: sqnrDb(s.signal, s.noise),
        roundingSqnrDb: params.has(t) ? sqnrDb(s.signal, s.rounding) : null,
      },
    ]),
  );
}

/** Agreement of the int8 model's outputs with the float32 model's. */
export interface Agreement {
  images: number;
  /** Images whose top-1 class is the same. */
  top1Agreements: number;
  top1Agreement: number;
  /** Largest absolute difference of any output value. */
  maxLogitError: number;
  meanAbsLogitError: number;
}

/** Runs both model files as the worker does over `images` and compares their outputs. */
export async function agreement(
  floatFile: string,
  int8File: string,
  input: ImageInput,
  images: readonly Float32Array[],
  threads: number,
): Promise<Agreement> {
  const settings = { intraOpThreads: threads, interOpThreads: 1 };
  const [a, b] = [
    await createModelSession(floatFile, settings),
    await createModelSession(int8File, settings),
  ];
  const per = 3 * input.height * input.width;
  const batch = input.fixedBatch ?? 8;
  let same = 0;
  let max = 0;
  let sumAbs = 0;
  let count = 0;
  let seen = 0;
  try {
    for (let start = 0; start < images.length; start += batch) {
      const n = Math.min(batch, images.length - start);
      if (input.fixedBatch !== null && n !== input.fixedBatch) break;
      const data = new Float32Array(n * per);
      for (let i = 0; i < n; i++) data.set(images[start + i] as Float32Array, i * per);
      const shape = [3, input.height, input.width];
      const x = await runBatch(a, data.slice(), n, shape);
      const y = await runBatch(b, data, n, shape);
      for (let i = 0; i < n; i++) {
        const rx = x.logits.subarray(i * x.classes, (i + 1) * x.classes);
        const ry = y.logits.subarray(i * y.classes, (i + 1) * y.classes);
        if (argmax(rx) === argmax(ry)) same++;
        for (let c = 0; c < rx.length; c++) {
          const d = Math.abs((rx[c] as number) - (ry[c] as number));
          max = Math.max(max, d);
          sumAbs += d;
        }
        count += rx.length;
        seen++;
      }
    }
  } finally {
    await a.session.release();
    await b.session.release();
  }
  return {
    images: seen,
    top1Agreements: same,
    top1Agreement: seen > 0 ? same / seen : 1,
    maxLogitError: max,
    meanAbsLogitError: count > 0 ? sumAbs / count : 0,
  };
}

export function argmax(row: Float32Array): number {
  let best = 0;
  for (let i = 1; i < row.length; i++) if ((row[i] as number) > (row[best] as number)) best = i;
  return best;
}
