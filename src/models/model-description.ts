/**
 * What a model is, read from its graph without a runtime (pure): its inputs and outputs (names,
 * element types as ONNX Runtime names them, shapes with dynamic axes by name), its opsets and
 * operators, its parameters, whether it is quantized, and its metadata.
 */
import { tensorInfoOf } from './graph-io.js';
import type { OnnxGraph } from './onnx-graph.js';
import type { ValueInfoProto } from './onnx-proto.js';

const INT8 = 3;
const UINT8 = 2;

/** Operators that only appear in a model that is already quantized. */
const QUANTIZED_OPS =
  /^(QuantizeLinear|DequantizeLinear|DynamicQuantizeLinear|QLinear\w+|QGemm|ConvInteger|MatMulInteger\w*|DynamicQuantize\w+|QAttention)$/;

/** A graph input or output. */
export interface TensorDescription {
  name: string;
  /** `float32`, `uint8`, ...; `non-tensor` for a sequence or map. */
  dtype: string;
  /** Fixed sizes as numbers, dynamic axes by name (`?` when unnamed); null when undeclared. */
  shape: Array<number | string> | null;
}

/** A model, as `obifaas model inspect` shows it. */
export interface ModelDescription {
  /** Inputs the caller feeds (initializers listed as inputs by old exporters are left out). */
  inputs: TensorDescription[];
  outputs: TensorDescription[];
  irVersion: number;
  /** Opset version by domain (`ai.onnx` for the default domain). */
  opset: Record<string, number>;
  /** Nodes by operator type, most frequent first (`domain:Op` outside the default domain). */
  operators: Record<string, number>;
  nodes: number;
  /** Values held in initializers (weights, biases, constants). */
  parameters: number;
  /** True with quantized operators or 8-bit weights. */
  quantized: boolean;
  metadata: Record<string, string>;
}

/** One declared input or output (an unnamed dynamic axis as `?`). */
export function describeValue(value: ValueInfoProto): TensorDescription {
  const info = tensorInfoOf(value);
  return { name: info.name, dtype: info.type, shape: info.shape?.map((d) => d ?? '?') ?? null };
}

/** The quantized operators of a model, counted (empty for a float model). */
export function quantizedOperatorCounts(graph: OnnxGraph): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const n of graph.nodes)
    if (QUANTIZED_OPS.test(n.opType)) counts[n.opType] = (counts[n.opType] ?? 0) + 1;
  return counts;
}

/** Whether a model is quantized: quantized operators, or 8-bit weights. */
export function isQuantized(graph: OnnxGraph): boolean {
  if (Object.keys(quantizedOperatorCounts(graph)).length > 0) return true;
  return [...graph.initializers.values()].some(
    (i) => (i.dataType === INT8 || i.dataType === UINT8) && i.dims.length >= 2,
  );
}

/** The inputs a caller feeds: graph inputs that are not initializers. */
export function feedInputs(graph: OnnxGraph): ValueInfoProto[] {
  return graph.inputs.filter((i) => !graph.initializers.has(i.name));
}

/** The description of `graph`. */
export function describeGraph(graph: OnnxGraph): ModelDescription {
  const counts = new Map<string, number>();
  for (const n of graph.nodes) {
    const op = n.domain && n.domain !== 'ai.onnx' ? `${n.domain}:${n.opType}` : n.opType;
    counts.set(op, (counts.get(op) ?? 0) + 1);
  }
  const operators = Object.fromEntries([...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])));
  let parameters = 0;
  for (const init of graph.initializers.values()) parameters += init.dims.reduce((a, d) => a * d, 1);
  return {
    inputs: feedInputs(graph).map(describeValue),
    outputs: graph.outputs.map(describeValue),
    irVersion: graph.irVersion,
    opset: Object.fromEntries(graph.opsets.map((o) => [o.domain === '' ? 'ai.onnx' : o.domain, o.version])),
    operators,
    nodes: graph.nodes.length,
    parameters,
    quantized: isQuantized(graph),
    metadata: Object.fromEntries(graph.metadata.map((m) => [m.key, m.value])),
  };
}
