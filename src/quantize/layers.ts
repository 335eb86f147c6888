/**
 * The per-layer rows of the report: each quantized Conv, Gemm, MatMul, Add, pool and Concat,
 * with its weights' rounding error and the error of the tensor after it (after a folded
 * Relu/Clip), measured on calibration images.
 */
import { initializerFloats, type OnnxGraph } from '../models/onnx-graph.js';
import { tensorErrors } from './evaluate.js';
import type { QuantPlan } from './plan.js';
import type { PreparedGraph } from './prepare.js';
import { type ActivationParams, weightSqnrDb } from './quant-math.js';
import type { LayerRow } from './report.js';
import { type QdqModel, rootOf } from './rewrite.js';

const LAYER_OPS = new Set(['Conv', 'Gemm', 'MatMul', 'Add', 'Concat', 'GlobalAveragePool', 'AveragePool']);

/** Measures every quantized layer of `prepared` against its version in `qdq` on `images`. */
export async function measureLayers(
  prepared: PreparedGraph,
  qdq: QdqModel,
  params: ReadonlyMap<string, ActivationParams>,
  images: readonly Float32Array[],
): Promise<LayerRow[]> {
  const { graph, plan } = prepared;
  const layerTensors = layerOutputs(graph, plan, qdq.dequantized);
  const errors = await tensorErrors(
    graph,
    qdq.bytes,
    new Map([...layerTensors.values()].map((l) => [l.tensor, l.simulated])),
    params,
    prepared.input,
    images,
    prepared.info,
  );
  return [...layerTensors].map(([index, l]) => {
    const node = graph.nodes[index];
    const weight = node?.input[1];
    const q = weight ? qdq.weights.get(weight) : undefined;
    const init = weight ? graph.initializers.get(weight) : undefined;
    const e = errors.get(l.tensor);
    return {
      node: node?.name ?? '',
      op: node?.opType ?? '',
      tensor: l.tensor,
      weightSqnrDb: q && init ? weightSqnrDb(initializerFloats(init), q, init.dims) : null,
      sqnrDb: e?.sqnrDb ?? null,
      roundingSqnrDb: e?.roundingSqnrDb ?? null,
    };
  });
}

/** Node index -> the tensor measured after it, and its name in the QDQ model. */
export function layerOutputs(
  graph: OnnxGraph,
  plan: QuantPlan,
  dequantized: ReadonlyMap<string, string>,
): Map<number, { tensor: string; simulated: string }> {
  const folded = new Map<string, string>();
  for (const n of graph.nodes) {
    const d = plan.nodes[n.index];
    if (d?.quantized && d.note?.startsWith('folded') && n.input[0] && n.output[0])
      folded.set(n.input[0], n.output[0]);
  }
  const out = new Map<number, { tensor: string; simulated: string }>();
  for (const n of graph.nodes) {
    const d = plan.nodes[n.index];
    if (!d?.quantized || !LAYER_OPS.has(n.opType) || d.note) continue;
    const raw = n.output[0] as string;
    const tensor = folded.get(raw) ?? raw;
    out.set(n.index, {
      tensor,
      simulated: dequantized.get(tensor) ?? dequantized.get(rootOf(plan, tensor)) ?? tensor,
    });
  }
  return out;
}
