/**
 * Hostile ONNX models, written with our own protobuf encoder: an image classifier (`[N, 3, H, W]`
 * -> global average pool -> `[N, 3]` logits) with something added that a model may carry: a
 * tensor whose bytes lie in an external file, a loop or an allocation that never ends, odd names
 * and metadata.
 */
import {
  encodeModel,
  type AttributeProto,
  type GraphProto,
  type NodeProto,
  type TensorProto,
  type ValueInfoProto,
} from '../../../src/models/onnx-proto.js';
import { valueInfo } from '../../support/worker-models.js';

export const FLOAT = 1;
export const UINT8 = 2;
export const INT64 = 7;
export const BOOL = 9;

/** The image input every hostile model has (the tiny job's preprocessing feeds it). */
export const IMAGE_INPUT: ValueInfoProto = valueInfo('input', FLOAT, ['batch', 3, 'height', 'width']);

export function node(
  opType: string,
  input: string[],
  output: string[],
  attribute: AttributeProto[] = [],
): NodeProto {
  return { name: `${opType}_${output[0] ?? ''}`, opType, input, output, attribute };
}

/** A tensor whose `length` bytes lie at `offset` of the file `location` (relative to the model). */
export function externalTensor(
  name: string,
  location: string,
  length: number,
  offset = 0,
  dataType = UINT8,
): TensorProto {
  return {
    name,
    dims: [length],
    dataType,
    dataLocation: 1,
    externalData: [
      { key: 'location', value: location },
      { key: 'offset', value: String(offset) },
      { key: 'length', value: String(length) },
    ],
  };
}

export function int64s(name: string, values: number[]): TensorProto {
  return {
    name,
    dims: [values.length],
    dataType: INT64,
    rawData: new Uint8Array(BigInt64Array.from(values.map((v) => BigInt(v))).buffer),
  };
}

/** The classifier's nodes: `input` -> `logits` `[N, 3]`. */
export const CLASSIFIER_NODES: NodeProto[] = [
  node('GlobalAveragePool', ['input'], ['pooled']),
  node('Flatten', ['pooled'], ['logits']),
];

export interface HostileModelParts {
  nodes?: NodeProto[];
  initializers?: TensorProto[];
  /** Outputs after `logits`. */
  outputs?: ValueInfoProto[];
  /** Replaces the first output (default `logits` `[N, 3]`). */
  first?: ValueInfoProto;
  input?: ValueInfoProto;
  metadata?: Array<{ key: string; value: string }>;
  opset?: number;
}

/** The classifier with `parts` added: nodes after its own, more initializers and outputs. */
export function hostileModel(parts: HostileModelParts = {}): Uint8Array {
  const graph: GraphProto = {
    name: 'hostile',
    node: [...CLASSIFIER_NODES, ...(parts.nodes ?? [])],
    initializer: parts.initializers ?? [],
    input: [parts.input ?? IMAGE_INPUT],
    output: [parts.first ?? valueInfo('logits', FLOAT, ['batch', 3]), ...(parts.outputs ?? [])],
  };
  return encodeModel({
    irVersion: 8,
    opsetImport: [{ domain: '', version: parts.opset ?? 13 }],
    producerName: 'obifaas-tests',
    producerVersion: '0',
    graph,
    ...(parts.metadata ? { metadataProps: parts.metadata } : {}),
  });
}

/**
 * A classifier that also casts the external tensor `secret` to float and adds it to its logits
 * (`Identity` of a file's bytes would put them in an embedding): a model that loads would leak
 * the file's first bytes into every result.
 */
export function externalDataModel(location: string, length: number, offset = 0): Uint8Array {
  return hostileModel({
    initializers: [externalTensor('secret', location, length, offset)],
    nodes: [node('Cast', ['secret'], ['leak'], [{ name: 'to', type: 2, i: FLOAT }])],
    outputs: [valueInfo('leak', FLOAT, [length])],
  });
}
