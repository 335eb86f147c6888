/**
 * Small ONNX models for the task tests, written with our own protobuf encoder: outputs that fit
 * a task and outputs that do not (a feature map read as classes, an output of no values, NaN
 * values), a model ending in a softmax, and one with two outputs. Each takes `[N, 3, H, W]`
 * float32 images, so the pipeline feeds it as it feeds any image model.
 */
import { encodeModel, type NodeProto, type TensorProto } from '../../src/models/onnx-proto.js';
import { valueInfo } from './worker-models.js';

const FLOAT = 1;
const INT64 = 7;
const IMAGE = ['batch', 3, 'height', 'width'];

function node(
  opType: string,
  input: string[],
  output: string[],
  attribute: NodeProto['attribute'] = [],
): NodeProto {
  return { name: `${opType}_${output[0]}`, opType, input, output, attribute };
}

function int64s(name: string, values: number[]): TensorProto {
  return {
    name,
    dims: [values.length],
    dataType: INT64,
    rawData: new Uint8Array(BigInt64Array.from(values.map(BigInt)).buffer),
  };
}

function build(
  nodes: NodeProto[],
  outputs: Array<[string, Array<number | string>]>,
  initializer: TensorProto[] = [],
): Uint8Array {
  return encodeModel({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 13 }],
    producerName: 'obifaas-tests',
    producerVersion: '0',
    graph: {
      name: 'task-test',
      node: nodes,
      initializer,
      input: [valueInfo('input', FLOAT, IMAGE)],
      output: outputs.map(([name, dims]) => valueInfo(name, FLOAT, dims)),
    },
  });
}

/** The mean of each channel: `[N, 3]` (a 3-class "classifier" whose logits are channel means). */
const POOL = [node('GlobalAveragePool', ['input'], ['pooled']), node('Flatten', ['pooled'], ['means'])];

/** Output `[N, 3, H, W]`: the image itself, which a classify job must not read as classes. */
export function featureMapModel(): Uint8Array {
  return build([node('Identity', ['input'], ['image'])], [['image', IMAGE]]);
}

/** Output `[N, 0]`: no values per input. */
export function emptyOutputModel(): Uint8Array {
  return build(
    [...POOL, node('Slice', ['means', 'starts', 'ends', 'axes'], ['none'])],
    [['none', ['batch', 0]]],
    [int64s('starts', [0]), int64s('ends', [0]), int64s('axes', [1])],
  );
}

/** Output `[N, 3]` of NaN: 0 / 0 for every value. */
export function nanOutputModel(): Uint8Array {
  return build(
    [...POOL, node('Sub', ['means', 'means'], ['zero']), node('Div', ['zero', 'zero'], ['nan'])],
    [['nan', ['batch', 3]]],
  );
}

/** Output `[N, 3]`: the softmax of the channel means (a model that ends in a softmax). */
export function softmaxModel(): Uint8Array {
  return build(
    [...POOL, node('Softmax', ['means'], ['probs'], [{ name: 'axis', type: 2, i: 1 }])],
    [['probs', ['batch', 3]]],
  );
}

/**
 * Two outputs: `logits` `[N, 3]` (channel means) and `features` `[N, 3, 2, 2]`, the mean of each
 * 112x112 quarter of a 224x224 image (an embed job reads it flattened: 12 values per input).
 */
export function twoOutputModel(): Uint8Array {
  return build(
    [
      ...POOL.map((n) => (n.output[0] === 'means' ? { ...n, output: ['logits'] } : n)),
      node(
        'AveragePool',
        ['input'],
        ['features'],
        [
          { name: 'kernel_shape', type: 7, ints: [112, 112] },
          { name: 'strides', type: 7, ints: [112, 112] },
        ],
      ),
    ],
    [
      ['logits', ['batch', 3]],
      ['features', ['batch', 3, 2, 2]],
    ],
  );
}
