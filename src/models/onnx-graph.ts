/**
 * Lossless reading and editing of an ONNX model's main graph on the protobuf wire format. A
 * model is read field by field; the nodes, initializers, inputs and outputs are decoded for
 * reading, and an edit copies every field it does not change byte for byte (doc strings,
 * value_info, training info, fields newer than our schema), so rewriting a user's model loses
 * nothing of it.
 */
import protobuf from 'protobufjs';
import {
  type NodeProto,
  onnxMessageType,
  type TensorProto,
  tensorFloats,
  type ValueInfoProto,
} from './onnx-proto.js';
import {
  concatBytes as concat,
  lengthDelimited,
  messageBytes,
  ONNX_FIELD,
  OnnxFormatError,
  parsing,
  readFields,
  renameNodeInputs,
  type WireField,
} from './onnx-wire.js';

export { OnnxFormatError } from './onnx-wire.js';

/** A node of the main graph, decoded for reading; `index` is its position among the nodes. */
export interface GraphNode extends NodeProto {
  index: number;
}

/** An initializer of the main graph. */
export interface GraphInitializer {
  name: string;
  dataType: number;
  dims: number[];
  /** True when its data lives in an external file (not supported for rewriting). */
  external: boolean;
  tensor: TensorProto;
}

/** What an edit reads of a model. */
export interface OnnxGraph {
  bytes: Uint8Array;
  irVersion: number;
  opsets: Array<{ domain: string; version: number }>;
  metadata: Array<{ key: string; value: string }>;
  nodes: GraphNode[];
  initializers: Map<string, GraphInitializer>;
  inputs: ValueInfoProto[];
  outputs: ValueInfoProto[];
  /** Private: the wire layout, for {@link editGraph}. */
  layout: { top: WireField[]; graphField: WireField; graph: WireField[]; nodeFields: WireField[] };
}

/** Field `f` of the graph decoded as a `type`; an {@link OnnxFormatError} naming `what` when it is not one. */
const decodeAs = <T>(type: 'NodeProto' | 'TensorProto' | 'ValueInfoProto', f: WireField, what: string): T => {
  const bytes = messageBytes(f, what);
  const t = onnxMessageType(type);
  return parsing(
    what,
    () => t.toObject(t.decode(bytes), { longs: Number, enums: Number, bytes: Uint8Array, arrays: true }) as T,
  );
};

/** Reads a model's main graph; an {@link OnnxFormatError} when the bytes are not a model. */
export function readGraph(bytes: Uint8Array): OnnxGraph {
  const top = readFields(bytes);
  const graphField = top.find((f) => f.no === ONNX_FIELD.model.graph && f.value);
  if (!graphField) throw new OnnxFormatError('not an ONNX model (no graph)');
  const model = onnxMessageType('ModelProto');
  const rest = concat(
    top.filter((f) => f.no !== ONNX_FIELD.model.graph).map((f) => bytes.subarray(f.start, f.end)),
  );
  const head = parsing('its top-level fields', () =>
    model.toObject(model.decode(rest), { longs: Number, arrays: true, defaults: true }),
  ) as {
    irVersion: number;
    opsetImport: Array<{ domain: string; version: number }>;
    metadataProps: Array<{ key: string; value: string }>;
  };
  const graph = readFields(messageBytes(graphField, 'its graph'), 'its graph');
  const nodeFields = graph.filter((f) => f.no === ONNX_FIELD.graph.node);
  const nodes = nodeFields.map((f, index) => {
    const node = decodeAs<NodeProto>('NodeProto', f, `node ${index}`);
    return { ...node, name: node.name ?? '', domain: node.domain ?? '', index };
  });
  const initializers = new Map<string, GraphInitializer>();
  for (const [index, f] of graph.filter((x) => x.no === ONNX_FIELD.graph.initializer).entries()) {
    const what = `initializer ${index}`;
    const tensor = decodeAs<TensorProto>('TensorProto', f, what);
    const parts = readFields(messageBytes(f, what), what);
    const external =
      parts.some((p) => p.no === ONNX_FIELD.tensor.dataLocation && p.varint === 1) ||
      parts.some((p) => p.no === ONNX_FIELD.tensor.externalData);
    initializers.set(tensor.name, {
      name: tensor.name,
      dataType: tensor.dataType ?? 0,
      dims: tensor.dims ?? [],
      external,
      tensor,
    });
  }
  const infos = (no: number, what: string): ValueInfoProto[] =>
    graph
      .filter((f) => f.no === no)
      .map((f, index) => decodeAs<ValueInfoProto>('ValueInfoProto', f, `${what} ${index}`));
  return {
    bytes,
    irVersion: head.irVersion,
    opsets: head.opsetImport.map((o) => ({ domain: o.domain ?? '', version: o.version })),
    metadata: head.metadataProps,
    nodes,
    initializers,
    inputs: infos(ONNX_FIELD.graph.input, 'graph input'),
    outputs: infos(ONNX_FIELD.graph.output, 'graph output'),
    layout: { top, graphField, graph, nodeFields },
  };
}

/** The float32 values of an initializer (raw data or float_data). */
export function initializerFloats(init: GraphInitializer): Float32Array {
  return tensorFloats(init.tensor);
}

/** The default-domain opset the model imports (0 when none). */
export function defaultOpset(graph: OnnxGraph): number {
  return graph.opsets.find((o) => o.domain === '' || o.domain === 'ai.onnx')?.version ?? 0;
}

/** Changes to make to a graph; everything else is copied as it is. */
export interface GraphEdit {
  /** New nodes placed before the first node. */
  prepend?: NodeProto[];
  /** New nodes placed right after the node with this index. */
  insertAfter?: Map<number, NodeProto[]>;
  /** Node index -> (input position -> new input name). */
  renameInputs?: Map<number, Map<number, string>>;
  /** Initializers to drop (they are replaced by new ones or by node outputs). */
  removeInitializers?: ReadonlySet<string>;
  addInitializers?: TensorProto[];
  /** Graph outputs to add (a name alone lets the runtime infer the type). */
  addOutputs?: ValueInfoProto[];
  /** Graph inputs to replace, by name (a new front: the old input becomes a node's output). */
  replaceInputs?: ReadonlyMap<string, ValueInfoProto>;
  /** Graph outputs to drop, by name (a new end replaces them). */
  removeOutputs?: ReadonlySet<string>;
  /** Metadata entries to set (an entry with the same key is replaced). */
  metadata?: Array<{ key: string; value: string }>;
  /** Metadata keys to drop. */
  removeMetadata?: ReadonlySet<string>;
}

/** The model's bytes with `edit` applied. */
export function editGraph(graph: OnnxGraph, edit: GraphEdit): Uint8Array {
  const { top, graphField, graph: fields, nodeFields } = graph.layout;
  const source = messageBytes(graph.layout.graphField, 'its graph');
  const encodeNode = (n: NodeProto): Uint8Array => message(ONNX_FIELD.graph.node, 'NodeProto', n);
  const parts: Uint8Array[] = [];
  let nodesSeen = 0;
  for (const f of fields) {
    if (f.no === ONNX_FIELD.graph.node) {
      if (nodesSeen === 0) for (const n of edit.prepend ?? []) parts.push(encodeNode(n));
      const index = nodesSeen++;
      const renames = edit.renameInputs?.get(index);
      parts.push(renames ? renameNodeInputs(f, renames) : source.subarray(f.start, f.end));
      for (const n of edit.insertAfter?.get(index) ?? []) parts.push(encodeNode(n));
      continue;
    }
    if (f.no === ONNX_FIELD.graph.initializer && edit.removeInitializers?.size) {
      const name = graphInitializerName(f);
      if (edit.removeInitializers.has(name)) continue;
    }
    if (f.no === ONNX_FIELD.graph.input && edit.replaceInputs?.size) {
      const replacement = edit.replaceInputs.get(valueInfoName(f));
      if (replacement) {
        parts.push(message(ONNX_FIELD.graph.input, 'ValueInfoProto', replacement));
        continue;
      }
    }
    if (f.no === ONNX_FIELD.graph.output && edit.removeOutputs?.has(valueInfoName(f))) continue;
    parts.push(source.subarray(f.start, f.end));
  }
  if (nodeFields.length === 0) for (const n of edit.prepend ?? []) parts.push(encodeNode(n));
  for (const t of edit.addInitializers ?? [])
    parts.push(message(ONNX_FIELD.graph.initializer, 'TensorProto', t));
  for (const o of edit.addOutputs ?? []) parts.push(message(ONNX_FIELD.graph.output, 'ValueInfoProto', o));
  const newGraph = lengthDelimited(ONNX_FIELD.model.graph, concat(parts));
  const keys = new Set([...(edit.metadata ?? []).map((m) => m.key), ...(edit.removeMetadata ?? [])]);
  const out: Uint8Array[] = [];
  for (const f of top) {
    if (f === graphField) out.push(newGraph);
    else if (f.no === ONNX_FIELD.model.metadataProps && keys.size > 0 && keys.has(metadataKey(f))) continue;
    else out.push(graph.bytes.subarray(f.start, f.end));
  }
  for (const m of edit.metadata ?? [])
    out.push(message(ONNX_FIELD.model.metadataProps, 'StringStringEntryProto', m));
  return concat(out);
}

const text = new TextDecoder();

/** The string field `no` of the message in field `f` ('' when absent). */
function stringField(f: WireField, no: number, what: string): string {
  const found = readFields(messageBytes(f, what), what).find((p) => p.no === no);
  return found?.value ? text.decode(found.value) : '';
}

const graphInitializerName = (f: WireField): string =>
  stringField(f, ONNX_FIELD.tensor.name, 'an initializer');
const valueInfoName = (f: WireField): string =>
  stringField(f, ONNX_FIELD.valueInfo.name, 'a graph input or output');
const metadataKey = (f: WireField): string =>
  stringField(f, ONNX_FIELD.stringStringEntry.key, 'a metadata entry');

function message(
  no: number,
  type: 'NodeProto' | 'TensorProto' | 'ValueInfoProto' | 'StringStringEntryProto',
  value: object,
): Uint8Array {
  return lengthDelimited(
    no,
    onnxMessageType(type)
      .encode(value as protobuf.Message)
      .finish(),
  );
}
