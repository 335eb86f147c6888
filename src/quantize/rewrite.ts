/**
 * The QDQ model: QuantizeLinear/DequantizeLinear pairs on the planned activations, int8 weights
 * and int32 biases behind DequantizeLinear nodes that keep the original tensor names, so every
 * node of the model reads the same names as before. Written with the lossless graph editor.
 */
import { editGraph, type GraphEdit, initializerFloats, type OnnxGraph } from '../models/onnx-graph.js';
import { DataType, type NodeProto, type TensorProto, AttributeType } from '../models/onnx-proto.js';
import type { QuantPlan } from './plan.js';
import { type ActivationParams, quantizeBias, quantizeWeights, type QuantizedWeights } from './quant-math.js';

/** The names the rewrite gives a quantized activation's tensors. */
export interface ActivationNames {
  quantized: string;
  dequantized: string;
  scale: string;
  zeroPoint: string;
}

/** The rewritten model and what the report needs from it. */
export interface QdqModel {
  bytes: Uint8Array;
  /** Activation tensor -> its dequantized tensor (what the simulated run exposes). */
  dequantized: Map<string, string>;
  /** Weight tensor -> its int8 version. */
  weights: Map<string, QuantizedWeights>;
}

/** Picks names that are not taken yet. */
class Namer {
  private readonly taken: Set<string>;
  constructor(graph: OnnxGraph) {
    this.taken = new Set<string>([...graph.initializers.keys(), ...graph.inputs.map((i) => i.name)]);
    for (const n of graph.nodes) {
      this.taken.add(n.name);
      n.input.forEach((t) => this.taken.add(t));
      n.output.forEach((t) => this.taken.add(t));
    }
  }
  name(base: string): string {
    let name = base;
    for (let i = 1; this.taken.has(name); i++) name = `${base}_${i}`;
    this.taken.add(name);
    return name;
  }
}

const bytesOf = (a: Float32Array | Int32Array | Int8Array | Uint8Array): Uint8Array =>
  new Uint8Array(a.buffer, a.byteOffset, a.byteLength).slice();

function tensor(
  name: string,
  dataType: number,
  dims: number[],
  data: Float32Array | Int32Array | Int8Array | Uint8Array,
): TensorProto {
  return { name, dims, dataType, rawData: bytesOf(data) };
}

function qdqNode(
  op: 'QuantizeLinear' | 'DequantizeLinear',
  inputs: string[],
  output: string,
  name: string,
  axis?: number,
): NodeProto {
  return {
    name,
    opType: op,
    input: inputs,
    output: [output],
    attribute: axis === undefined ? [] : [{ name: 'axis', type: AttributeType.INT, i: axis }],
  };
}

/**
 * Rewrites `graph` by `plan`, with `params` for every calibrated activation (shared ones take
 * their source's), and the metadata entries to write.
 */
export function rewriteToQdq(
  graph: OnnxGraph,
  plan: QuantPlan,
  params: ReadonlyMap<string, ActivationParams>,
  metadata: Array<{ key: string; value: string }>,
): QdqModel {
  const namer = new Namer(graph);
  const prepend: NodeProto[] = [];
  const insertAfter = new Map<number, NodeProto[]>();
  const addInitializers: TensorProto[] = [];
  const removeInitializers = new Set<string>();
  const dequantized = new Map<string, string>();
  const names = new Map<string, ActivationNames>();
  const paramsOf = (t: string): ActivationParams => {
    const p = params.get(t);
    if (!p) throw new Error(`no quantization parameters for '${t}'`);
    return p;
  };

  for (const a of plan.activations) {
    const base = a.tensor;
    const shared = a.source.kind === 'shared' ? names.get(a.source.with) : undefined;
    const n: ActivationNames = {
      quantized: namer.name(`${base}_quantized`),
      dequantized: namer.name(`${base}_dequantized`),
      scale: shared?.scale ?? namer.name(`${base}_scale`),
      zeroPoint: shared?.zeroPoint ?? namer.name(`${base}_zero_point`),
    };
    if (!shared) {
      const p = paramsOf(a.tensor);
      addInitializers.push(
        tensor(n.scale, DataType.FLOAT, [], Float32Array.of(p.scale)),
        tensor(n.zeroPoint, DataType.UINT8, [], Uint8Array.of(p.zeroPoint)),
      );
    }
    names.set(a.tensor, n);
    dequantized.set(a.tensor, n.dequantized);
    const pair = [
      qdqNode(
        'QuantizeLinear',
        [base, n.scale, n.zeroPoint],
        n.quantized,
        namer.name(`${base}_QuantizeLinear`),
      ),
      qdqNode(
        'DequantizeLinear',
        [n.quantized, n.scale, n.zeroPoint],
        n.dequantized,
        namer.name(`${base}_DequantizeLinear`),
      ),
    ];
    if (a.producer < 0) prepend.push(...pair);
    else insertAfter.set(a.producer, [...(insertAfter.get(a.producer) ?? []), ...pair]);
  }

  const weights = new Map<string, QuantizedWeights>();
  for (const w of plan.weights) {
    const init = graph.initializers.get(w.tensor);
    if (!init) throw new Error(`weight '${w.tensor}' is not an initializer`);
    const q = quantizeWeights(initializerFloats(init), init.dims, w.axis);
    weights.set(w.tensor, q);
    const data = namer.name(`${w.tensor}_quantized`);
    const scale = namer.name(`${w.tensor}_scale`);
    const zero = namer.name(`${w.tensor}_zero_point`);
    const channels = w.axis === null ? [] : [q.scales.length];
    addInitializers.push(
      tensor(data, DataType.INT8, init.dims, q.values),
      tensor(scale, DataType.FLOAT, channels, q.scales),
      tensor(zero, DataType.INT8, channels, new Int8Array(q.scales.length)),
    );
    removeInitializers.add(w.tensor);
    prepend.push(
      qdqNode(
        'DequantizeLinear',
        [data, scale, zero],
        w.tensor,
        namer.name(`${w.tensor}_DequantizeLinear`),
        w.axis ?? undefined,
      ),
    );
  }

  for (const b of plan.biases) {
    const init = graph.initializers.get(b.tensor);
    const q = weights.get(b.weight);
    if (!init || !q) throw new Error(`bias '${b.tensor}' has no quantized weight`);
    const inputScale = paramsOf(rootOf(plan, b.input)).scale;
    const { values, scales } = quantizeBias(initializerFloats(init), inputScale, q.scales);
    const data = namer.name(`${b.tensor}_quantized`);
    const scale = namer.name(`${b.tensor}_scale`);
    const zero = namer.name(`${b.tensor}_zero_point`);
    const perChannel = q.axis !== null;
    addInitializers.push(
      tensor(data, DataType.INT32, init.dims, values),
      tensor(
        scale,
        DataType.FLOAT,
        perChannel ? [scales.length] : [],
        perChannel ? scales : scales.subarray(0, 1),
      ),
      tensor(
        zero,
        DataType.INT32,
        perChannel ? [scales.length] : [],
        new Int32Array(perChannel ? scales.length : 1),
      ),
    );
    removeInitializers.add(b.tensor);
    prepend.push(
      qdqNode(
        'DequantizeLinear',
        [data, scale, zero],
        b.tensor,
        namer.name(`${b.tensor}_DequantizeLinear`),
        perChannel ? 0 : undefined,
      ),
    );
  }

  const renameInputs = new Map<number, Map<number, string>>();
  for (const node of graph.nodes) {
    node.input.forEach((t, position) => {
      const dq = dequantized.get(t);
      if (dq === undefined) return;
      const map = renameInputs.get(node.index) ?? new Map<number, string>();
      map.set(position, dq);
      renameInputs.set(node.index, map);
    });
  }
  const edit: GraphEdit = {
    prepend,
    insertAfter,
    renameInputs,
    removeInitializers,
    addInitializers,
    metadata,
  };
  return { bytes: editGraph(graph, edit), dequantized, weights };
}

/** The activation whose parameters `tensor` uses (itself unless it shares another's). */
export function rootOf(plan: QuantPlan, tensor: string): string {
  const byName = new Map(plan.activations.map((a) => [a.tensor, a]));
  let t = tensor;
  for (let s = byName.get(t)?.source; s?.kind === 'shared'; s = byName.get(t)?.source) t = s.with;
  return t;
}

/** `graph` with `tensors` exposed as extra outputs (their types are inferred by the runtime). */
export function exposeTensors(graph: OnnxGraph, tensors: readonly string[]): Uint8Array {
  const existing = new Set(graph.outputs.map((o) => o.name));
  const addOutputs = tensors.filter((t) => !existing.has(t)).map((name) => ({ name }) as never);
  return editGraph(graph, { addOutputs });
}
