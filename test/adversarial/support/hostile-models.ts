/**
 * Hostile ONNX models, written with our own protobuf encoder: an image classifier (`[N, 3, H, W]`
 * -> global average pool -> `[N, 3]` logits) with something added that a model may carry: a
 * tensor whose bytes lie in an external file, a loop or an allocation that never ends, odd names
 * and metadata.
 */
import {
  AttributeType,
  DataType,
  encodeModel,
  type AttributeProto,
  type GraphProto,
  type NodeProto,
  type TensorProto,
  type ValueInfoProto,
} from '../../../src/models/onnx-proto.js';
import { valueInfo } from '../../support/worker-models.js';

const { FLOAT, UINT8, INT64, BOOL } = DataType;

/** The image input every hostile model has (the tiny job's preprocessing feeds it). */
const IMAGE_INPUT: ValueInfoProto = valueInfo('input', FLOAT, ['batch', 3, 'height', 'width']);

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
const CLASSIFIER_NODES: NodeProto[] = [
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
    nodes: [node('Cast', ['secret'], ['leak'], [{ name: 'to', type: AttributeType.INT, i: FLOAT }])],
    outputs: [valueInfo('leak', FLOAT, [length])],
  });
}

/** A scalar int64 or bool initializer. */
function scalar(name: string, dataType: number, value: number): TensorProto {
  const raw =
    dataType === INT64 ? new Uint8Array(BigInt64Array.of(BigInt(value)).buffer) : Uint8Array.of(value);
  return { name, dims: [], dataType, rawData: raw };
}

/**
 * A classifier whose logits go through a `Loop` of `tripCount` iterations that change nothing:
 * with a huge count, a run that never ends.
 */
export function endlessLoopModel(tripCount = 1e15): Uint8Array {
  const body: GraphProto = {
    name: 'body',
    node: [node('Identity', ['cond_in'], ['cond_out']), node('Identity', ['v_in'], ['v_out'])],
    initializer: [],
    input: [
      valueInfo('i', INT64, []),
      valueInfo('cond_in', BOOL, []),
      valueInfo('v_in', FLOAT, ['batch', 3]),
    ],
    output: [valueInfo('cond_out', BOOL, []), valueInfo('v_out', FLOAT, ['batch', 3])],
  };
  return hostileModel({
    nodes: [
      node(
        'Loop',
        ['trips', 'always', 'logits'],
        ['looped'],
        [{ name: 'body', type: AttributeType.GRAPH, g: body }],
      ),
    ],
    initializers: [scalar('trips', INT64, tripCount), scalar('always', BOOL, 1)],
    first: valueInfo('looped', FLOAT, ['batch', 3]),
    outputs: [valueInfo('logits', FLOAT, ['batch', 3])],
  });
}

/**
 * A classifier whose logits go through a `Loop` that runs `tripCount` iterations when the mean of
 * its input batch is over `threshold`, and none otherwise: a run that never ends for a batch of
 * bright images (white is about 2.4 after ImageNet normalisation) and returns at once for others.
 */
export function brightLoopModel(threshold = 2, tripCount = 1e15): Uint8Array {
  const { FLOAT: F } = DataType;
  const body: GraphProto = {
    name: 'body',
    node: [node('Identity', ['cond_in'], ['cond_out']), node('Identity', ['v_in'], ['v_out'])],
    initializer: [],
    input: [valueInfo('i', INT64, []), valueInfo('cond_in', BOOL, []), valueInfo('v_in', F, ['batch', 3])],
    output: [valueInfo('cond_out', BOOL, []), valueInfo('v_out', F, ['batch', 3])],
  };
  return hostileModel({
    nodes: [
      node('ReduceMean', ['input'], ['mean'], [{ name: 'keepdims', type: AttributeType.INT, i: 0 }]),
      node('Greater', ['mean', 'threshold'], ['bright']),
      node('Cast', ['bright'], ['bright_count'], [{ name: 'to', type: AttributeType.INT, i: INT64 }]),
      node('Mul', ['bright_count', 'trips'], ['trip_count']),
      node(
        'Loop',
        ['trip_count', 'always', 'logits'],
        ['looped'],
        [{ name: 'body', type: AttributeType.GRAPH, g: body }],
      ),
    ],
    initializers: [
      scalar('trips', INT64, tripCount),
      scalar('always', BOOL, 1),
      {
        name: 'threshold',
        dims: [],
        dataType: F,
        rawData: new Uint8Array(Float32Array.of(threshold).buffer),
      },
    ],
    first: valueInfo('looped', F, ['batch', 3]),
    outputs: [valueInfo('logits', F, ['batch', 3])],
  });
}

/**
 * A classifier whose logits come from a tensor of `[N, 3, side, side]` made at run time (its shape
 * depends on the input, so nothing is folded at load): by `ConstantOfShape`, or by `Tile`.
 */
export function hugeTensorModel(op: 'ConstantOfShape' | 'Tile', side = 1e6): Uint8Array {
  const grow =
    op === 'ConstantOfShape'
      ? [
          node('Shape', ['pooled'], ['shape']),
          node('Mul', ['shape', 'factor'], ['big_shape']),
          node('ConstantOfShape', ['big_shape'], ['big']),
        ]
      : [node('Tile', ['pooled', 'factor'], ['big'])];
  return hostileModel({
    nodes: [
      ...grow,
      node('GlobalMaxPool', ['big'], ['big_pooled']),
      node('Flatten', ['big_pooled'], ['huge']),
    ],
    initializers: [int64s('factor', [1, 1, side, side])],
    first: valueInfo('huge', FLOAT, ['batch', 3]),
    outputs: [valueInfo('logits', FLOAT, ['batch', 3])],
  });
}

/** A name with a newline, a terminal escape, HTML and a quote in it. */
export const ODD_NAME = 'out\n\u001b[2J\u001b[31m<script>alert("x")</script>\r\u0007';

/** The classifier with `count` more outputs, each an `Identity` of its logits named `name` + index. */
export function manyOutputsModel(count: number, name = 'extra_'): Uint8Array {
  return hostileModel({
    nodes: Array.from({ length: count }, (_, i) => node('Identity', ['logits'], [`${name}${i}`])),
    outputs: Array.from({ length: count }, (_, i) => valueInfo(`${name}${i}`, FLOAT, ['batch', 3])),
  });
}

/** The classifier whose input and first output have the names given. */
export function namedModel(inputName: string, outputName: string): Uint8Array {
  return hostileModel({
    input: valueInfo(inputName, FLOAT, ['batch', 3, 'height', 'width']),
    nodes: [node('Identity', [inputName], ['input']), node('Identity', ['logits'], [outputName])],
    first: valueInfo(outputName, FLOAT, ['batch', 3]),
  });
}

/** The classifier with its logits passed through `depth` nested `If` subgraphs. */
export function nestedModel(depth: number): Uint8Array {
  const leaf: GraphProto = {
    name: 'leaf',
    node: [node('Identity', ['logits'], ['branch_out'])],
    initializer: [],
    input: [],
    output: [valueInfo('branch_out', FLOAT, ['batch', 3])],
  };
  // Only the then-branches nest (the else-branch is the leaf), so the model grows linearly.
  let inner = leaf;
  for (let level = 1; level < depth; level++) {
    inner = {
      name: `level${level}`,
      node: [
        node(
          'If',
          ['always'],
          [`out${level}`],
          [
            { name: 'then_branch', type: AttributeType.GRAPH, g: inner },
            { name: 'else_branch', type: AttributeType.GRAPH, g: leaf },
          ],
        ),
      ],
      initializer: [],
      input: [],
      output: [valueInfo(`out${level}`, FLOAT, ['batch', 3])],
    };
  }
  return hostileModel({
    nodes: [
      node(
        'If',
        ['always'],
        ['nested'],
        [
          { name: 'then_branch', type: AttributeType.GRAPH, g: inner },
          { name: 'else_branch', type: AttributeType.GRAPH, g: leaf },
        ],
      ),
    ],
    initializers: [scalar('always', BOOL, 1)],
    first: valueInfo('nested', FLOAT, ['batch', 3]),
  });
}
