/**
 * Which nodes to quantize and which tensors get a QuantizeLinear/DequantizeLinear pair, decided
 * on plain data (pure). The rules follow what ONNX Runtime fuses into int8 kernels:
 *
 * - Conv, Gemm and MatMul with constant weights: int8 weights (per channel along the output
 *   channels when asked), int32 bias at `input scale x weight scale`, uint8 input.
 * - Add of two activations, GlobalAveragePool, AveragePool and Concat: uint8 inputs and output.
 * - MaxPool, Reshape, Flatten, Transpose, Squeeze and Unsqueeze of a quantized tensor keep its
 *   scale and zero point (ONNX Runtime then runs them on the uint8 data).
 * - A Relu or Clip right after a quantized node, its only consumer, is folded: the tensor after
 *   it is the one quantized (ONNX Runtime drops it as made redundant by the quantization).
 * - A tensor has one scale for all its consumers; every consumer reads the dequantized tensor.
 * - Conv, Add, pools and Concat must quantize their output to run as int8: one whose output is
 *   a graph output stays float32. Gemm and MatMul quantize their output only when a quantized
 *   node reads it, so a classifier's logits stay float32.
 */
import type { GraphInitializer, GraphNode } from '../models/onnx-graph.js';

/** What the planner reads of a graph. */
export interface PlanInput {
  nodes: readonly GraphNode[];
  initializers: ReadonlyMap<string, GraphInitializer>;
  graphInputs: readonly string[];
  graphOutputs: readonly string[];
  /** Every float32 tensor that is not an initializer (graph inputs and node outputs). */
  floatTensors: ReadonlySet<string>;
  /** Default-domain opset: per-channel weights need 13. */
  opset: number;
  perChannel: boolean;
  /** Node names left in float32. */
  exclude: ReadonlySet<string>;
}

/** Where a quantized activation's scale and zero point come from. */
export type ActivationSource =
  { kind: 'calibrated'; clip?: { min: number; max: number } } | { kind: 'shared'; with: string };

/** One activation tensor that gets a QuantizeLinear/DequantizeLinear pair. */
export interface PlannedActivation {
  tensor: string;
  source: ActivationSource;
  /** Index of the node that produces it; -1 for a graph input. */
  producer: number;
}

/** A weight quantized to int8; `axis` null means one scale for the whole tensor. */
export interface PlannedWeight {
  tensor: string;
  axis: number | null;
  node: number;
}

/** A bias quantized to int32 with scale `scale(input) x scale(weight)`. */
export interface PlannedBias {
  tensor: string;
  input: string;
  weight: string;
  node: number;
}

/** What happens to one node. */
export interface NodeDecision {
  index: number;
  name: string;
  opType: string;
  quantized: boolean;
  /** Why a node stays float32, or what it is fused into. */
  note?: string;
}

/** The whole plan. */
export interface QuantPlan {
  nodes: NodeDecision[];
  /** In the order their producers run. */
  activations: PlannedActivation[];
  weights: PlannedWeight[];
  biases: PlannedBias[];
}

const COMPUTE_OPS = new Set(['Conv', 'Gemm', 'MatMul']);
const OUTPUT_QUANTIZED_OPS = new Set(['Conv', 'Add', 'GlobalAveragePool', 'AveragePool', 'Concat']);
const SAME_SCALE_OPS = new Set(['MaxPool', 'Reshape', 'Flatten', 'Transpose', 'Squeeze', 'Unsqueeze']);

const FLOAT = 1;

function attr(node: GraphNode, name: string): { i?: number; f?: number } | undefined {
  return node.attribute.find((a) => a.name === name);
}

/** Decides what to quantize. */
export function planQuantization(input: PlanInput): QuantPlan {
  const outputs = new Set(input.graphOutputs);
  const graphInputs = new Set(input.graphInputs);
  const consumers = new Map<string, number[]>();
  const producer = new Map<string, number>();
  for (const n of input.nodes) {
    n.input.forEach((t) => t !== '' && consumers.set(t, [...(consumers.get(t) ?? []), n.index]));
    n.output.forEach((t) => producer.set(t, n.index));
  }
  const isActivation = (t: string | undefined): t is string =>
    t !== undefined && t !== '' && input.floatTensors.has(t) && !input.initializers.has(t);
  const constantFloat = (t: string | undefined): GraphInitializer | undefined => {
    const init = t ? input.initializers.get(t) : undefined;
    return init && init.dataType === FLOAT && !init.external && !graphInputs.has(init.name)
      ? init
      : undefined;
  };

  const decisions: NodeDecision[] = input.nodes.map((n) => ({
    index: n.index,
    name: n.name,
    opType: n.opType,
    quantized: false,
  }));
  const why = (n: GraphNode): string | null => {
    if (n.domain !== '' && n.domain !== 'ai.onnx') return `domain ${n.domain} is not quantized`;
    if (input.exclude.has(n.name)) return 'excluded';
    const [a, b, c] = n.input;
    switch (n.opType) {
      case 'Conv':
        if (!isActivation(a)) return 'its input is not a float32 activation';
        if (!constantFloat(b)) return 'its weight is not a constant float32 initializer';
        if (c && !constantFloat(c)) return 'its bias is not a constant float32 initializer';
        return null;
      case 'Gemm':
      case 'MatMul': {
        if (!isActivation(a)) return 'input A is not a float32 activation';
        const w = constantFloat(b);
        if (!w || w.dims.length !== 2) return 'input B is not a constant 2-D float32 initializer';
        if (n.opType === 'MatMul') return null;
        if ((attr(n, 'transA')?.i ?? 0) !== 0) return 'transA is set';
        if ((attr(n, 'alpha')?.f ?? 1) !== 1 || (c && (attr(n, 'beta')?.f ?? 1) !== 1))
          return 'alpha or beta is not 1';
        if (c && (!constantFloat(c) || constantFloat(c)?.dims.length !== 1))
          return 'C is not a constant 1-D bias';
        return null;
      }
      case 'Add':
      case 'Concat':
        return n.input.every((t) => isActivation(t)) ? null : 'an input is not a float32 activation';
      case 'GlobalAveragePool':
      case 'AveragePool':
        return isActivation(a) ? null : 'its input is not a float32 activation';
      case 'MaxPool':
        if (n.output.length > 1 && n.output[1] !== '') return 'it outputs indices';
        return isActivation(a) ? null : 'its input is not a float32 activation';
      default:
        return SAME_SCALE_OPS.has(n.opType) ? null : 'not a quantizable operator';
    }
  };

  const planned = new Map<string, PlannedActivation>();
  const want = (tensor: string, source: ActivationSource): void => {
    if (planned.has(tensor)) return;
    planned.set(tensor, { tensor, source, producer: producer.get(tensor) ?? -1 });
  };
  const weights = new Map<string, PlannedWeight>();
  const biases = new Map<string, PlannedBias>();

  /** The tensor to quantize after `n`, folding a following Relu/Clip; null when it must stay float. */
  const outputAfter = (n: GraphNode): { tensor: string; clip?: { min: number; max: number } } | null => {
    const out = n.output[0];
    if (!out || outputs.has(out)) return null;
    const next = consumers.get(out) ?? [];
    const only = next.length === 1 ? input.nodes[next[0] as number] : undefined;
    if (
      only &&
      !input.exclude.has(only.name) &&
      only.input[0] === out &&
      (only.opType === 'Relu' || only.opType === 'Clip')
    ) {
      const clip = only.opType === 'Relu' ? { min: 0, max: Infinity } : clipRange(only, input.initializers);
      const after = only.output[0];
      if (clip && after && !outputs.has(after) && isActivation(after)) {
        const d = decisions[only.index] as NodeDecision;
        d.quantized = true;
        d.note = `folded into ${n.name || n.opType}`;
        return { tensor: after, clip };
      }
    }
    return { tensor: out };
  };

  /**
   * A MatMul's bias: the constant of an Add that alone reads its output (ONNX Runtime fuses the
   * two into a Gemm, which runs as int8 only when the bias is int32 too). The Add is marked.
   */
  const matMulBias = (n: GraphNode, w: GraphInitializer): string | undefined => {
    const out = n.output[0] as string;
    const next = consumers.get(out) ?? [];
    const add = next.length === 1 ? input.nodes[next[0] as number] : undefined;
    if (!add || add.opType !== 'Add' || add.domain !== '' || input.exclude.has(add.name)) return undefined;
    const other = add.input[0] === out ? add.input[1] : add.input[0];
    const bias = constantFloat(other);
    if (!bias || bias.dims.length !== 1 || bias.dims[0] !== w.dims[1] || add.input.length !== 2)
      return undefined;
    const d = decisions[add.index] as NodeDecision;
    d.quantized = true;
    d.note = `bias of ${n.name || 'MatMul'}`;
    return bias.name;
  };

  const perChannelOk = input.perChannel && input.opset >= 13;
  for (const n of input.nodes) {
    const d = decisions[n.index] as NodeDecision;
    if (d.quantized) continue; // a folded Relu/Clip
    const reason = why(n);
    if (reason !== null) {
      d.note = reason;
      continue;
    }
    if (SAME_SCALE_OPS.has(n.opType)) {
      const source = n.input[0] as string;
      const out = n.output[0];
      const quantizedInput = planned.has(source) || (n.opType === 'MaxPool' && isActivation(source));
      if (!quantizedInput || !out || outputs.has(out) || !isActivation(out)) {
        d.note = n.opType === 'MaxPool' ? 'its output is a graph output' : 'its input is not quantized';
        continue;
      }
      want(source, { kind: 'calibrated' });
      want(out, { kind: 'shared', with: root(planned, source) });
      d.quantized = true;
      continue;
    }
    const after = OUTPUT_QUANTIZED_OPS.has(n.opType) ? outputAfter(n) : undefined;
    if (after === null) {
      d.note = 'its output is a graph output';
      continue;
    }
    const activationInputs = COMPUTE_OPS.has(n.opType) ? [n.input[0] as string] : n.input;
    for (const t of activationInputs) want(t, { kind: 'calibrated' });
    if (after) want(after.tensor, { kind: 'calibrated', ...(after.clip ? { clip: after.clip } : {}) });
    if (COMPUTE_OPS.has(n.opType)) {
      const w = input.initializers.get(n.input[1] as string) as GraphInitializer;
      const axis = !perChannelOk
        ? null
        : n.opType === 'Conv'
          ? 0
          : n.opType === 'MatMul'
            ? 1
            : (attr(n, 'transB')?.i ?? 0) === 1
              ? 0
              : 1;
      const existing = weights.get(w.name);
      if (existing && existing.axis !== axis) existing.axis = null;
      else if (!existing) weights.set(w.name, { tensor: w.name, axis, node: n.index });
      const b = n.opType === 'MatMul' ? matMulBias(n, w) : n.input[2];
      if (b && !biases.has(b))
        biases.set(b, { tensor: b, input: n.input[0] as string, weight: w.name, node: n.index });
    }
    d.quantized = true;
  }
  // Gemm/MatMul outputs read by a quantized node were added as that node's input above; fold
  // nothing for them (their float consumers keep float values).
  return {
    nodes: decisions,
    activations: [...planned.values()].sort((a, b) => a.producer - b.producer),
    weights: [...weights.values()],
    biases: [...biases.values()],
  };
}

/** The tensor whose scale `tensor` ends up sharing. */
function root(planned: ReadonlyMap<string, PlannedActivation>, tensor: string): string {
  let t = tensor;
  for (let s = planned.get(t)?.source; s?.kind === 'shared'; s = planned.get(t)?.source) t = s.with;
  return t;
}

/** A Clip's constant bounds (attributes before opset 11, inputs after); null when not constant. */
function clipRange(
  node: GraphNode,
  initializers: ReadonlyMap<string, GraphInitializer>,
): { min: number; max: number } | null {
  const bound = (position: number, attrName: string, fallback: number): number | null => {
    const a = node.attribute.find((x) => x.name === attrName);
    if (a?.f !== undefined) return a.f;
    const name = node.input[position];
    if (!name) return fallback;
    const init = initializers.get(name);
    if (!init || init.dataType !== FLOAT || init.external) return null;
    const raw = init.tensor.rawData;
    if (raw && raw.byteLength >= 4) return new DataView(raw.buffer, raw.byteOffset, 4).getFloat32(0, true);
    return init.tensor.floatData?.[0] ?? null;
  };
  const min = bound(1, 'min', -Infinity);
  const max = bound(2, 'max', Infinity);
  return min === null || max === null ? null : { min, max };
}
