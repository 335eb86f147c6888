/**
 * Small ONNX models for worker tests, written with our own protobuf encoder: odd inputs (wrong
 * rank, channels, type, two inputs), fixed sizes, and an int8 model that saturates on CPUs
 * without VNNI.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import {
  encodeModel,
  type ModelProto,
  type NodeProto,
  type TensorProto,
  type ValueInfoProto,
} from '../../src/models/onnx-proto.js';

const FLOAT = 1;
const UINT8 = 2;
const INT8 = 3;

type Dim = number | string;

export function valueInfo(name: string, elemType: number, dims: Dim[]): ValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

function node(opType: string, input: string[], output: string[], name = opType): NodeProto {
  return { name, opType, input, output, attribute: [] };
}

function tensor(name: string, dataType: number, dims: number[], bytes: Uint8Array): TensorProto {
  return { name, dims, dataType, rawData: bytes };
}

function floats(name: string, dims: number[], values: number[]): TensorProto {
  return tensor(name, FLOAT, dims, new Uint8Array(Float32Array.from(values).buffer));
}

function model(
  nodes: NodeProto[],
  inputs: ValueInfoProto[],
  outputs: ValueInfoProto[],
  initializer: TensorProto[] = [],
): Uint8Array {
  const proto: ModelProto = {
    irVersion: 8,
    opsetImport: [{ domain: '', version: 13 }],
    producerName: 'obifaas-tests',
    producerVersion: '0',
    graph: { name: 'test', node: nodes, initializer, input: inputs, output: outputs },
  };
  return encodeModel(proto);
}

/** `[N, 3, H, W]` -> global average pool -> `[N, 3]` "logits" (class = brightest channel). */
export function poolModel(dims: Dim[] = ['batch', 3, 'height', 'width']): Uint8Array {
  return model(
    [node('GlobalAveragePool', ['input'], ['pooled']), node('Flatten', ['pooled'], ['logits'])],
    [valueInfo('input', FLOAT, dims)],
    [valueInfo('logits', FLOAT, [dims[0] as Dim, 3])],
  );
}

/** A model whose input is `[N, 10]`: rank 2. */
export function rank2Model(): Uint8Array {
  return model(
    [node('Relu', ['input'], ['output'])],
    [valueInfo('input', FLOAT, ['batch', 10])],
    [valueInfo('output', FLOAT, ['batch', 10])],
  );
}

/** A model with two inputs. */
export function twoInputModel(): Uint8Array {
  const dims: Dim[] = ['batch', 3, 224, 224];
  return model(
    [node('Add', ['a', 'b'], ['sum'])],
    [valueInfo('a', FLOAT, dims), valueInfo('b', FLOAT, dims)],
    [valueInfo('sum', FLOAT, dims)],
  );
}

/** A model whose input is uint8. */
export function uint8InputModel(): Uint8Array {
  return model(
    [node('Cast', ['input'], ['output'])].map((n) => ({
      ...n,
      attribute: [{ name: 'to', type: 2, i: FLOAT }],
    })),
    [valueInfo('input', UINT8, ['batch', 3, 224, 224])],
    [valueInfo('output', FLOAT, ['batch', 3, 224, 224])],
  );
}

/**
 * The scales, zero points and int8 weights (all 127) of the saturating convolution, shared by
 * its QLinearConv and QDQ forms.
 */
function saturatingConvInitializers(): TensorProto[] {
  const u8 = (name: string, v: number): TensorProto => tensor(name, UINT8, [], Uint8Array.of(v));
  const s8 = (name: string, dims: number[], v: number[]): TensorProto =>
    tensor(
      name,
      INT8,
      dims,
      Uint8Array.from(v, (x) => x & 0xff),
    );
  return [
    floats('x_scale', [], [1]),
    u8('x_zero', 0),
    s8('w', [1, 3, 2, 2], new Array<number>(12).fill(127)),
    floats('w_scale', [], [1]),
    s8('w_zero', [], [0]),
    floats('y_scale', [], [2048]),
    u8('y_zero', 0),
  ];
}

/**
 * `[1, 3, 2, 2]` float -> QuantizeLinear (scale 1) -> QLinearConv 2x2 with int8 weights of 127
 * (output scale 2048) -> DequantizeLinear -> Flatten: `[1, 1]`. For an input of 255 everywhere
 * the exact answer is round(255 * 127 * 12 / 2048) * 2048 = 190 * 2048; saturating 16-bit
 * pairwise sums give 6 * 32767, that is 96 * 2048.
 */
export function saturatingInt8Model(): Uint8Array {
  return model(
    [
      node('QuantizeLinear', ['input', 'x_scale', 'x_zero'], ['xq']),
      node('QLinearConv', ['xq', 'x_scale', 'x_zero', 'w', 'w_scale', 'w_zero', 'y_scale', 'y_zero'], ['yq']),
      node('DequantizeLinear', ['yq', 'y_scale', 'y_zero'], ['y']),
      node('Flatten', ['y'], ['logits']),
    ],
    [valueInfo('input', FLOAT, [1, 3, 2, 2])],
    [valueInfo('logits', FLOAT, [1, 1])],
    saturatingConvInitializers(),
  );
}

/**
 * The same convolution as {@link saturatingInt8Model} in the QDQ format that `model quantize`
 * writes: ONNX Runtime fuses it into the same uint8 x int8 kernel.
 */
export function saturatingQdqModel(): Uint8Array {
  return model(
    [
      node('QuantizeLinear', ['input', 'x_scale', 'x_zero'], ['xq'], 'qx'),
      node('DequantizeLinear', ['xq', 'x_scale', 'x_zero'], ['xd'], 'dqx'),
      node('DequantizeLinear', ['w', 'w_scale', 'w_zero'], ['wd'], 'dqw'),
      node('Conv', ['xd', 'wd'], ['y'], 'conv'),
      node('QuantizeLinear', ['y', 'y_scale', 'y_zero'], ['yq'], 'qy'),
      node('DequantizeLinear', ['yq', 'y_scale', 'y_zero'], ['yd'], 'dqy'),
      node('Flatten', ['yd'], ['logits']),
    ],
    [valueInfo('input', FLOAT, [1, 3, 2, 2])],
    [valueInfo('logits', FLOAT, [1, 1])],
    saturatingConvInitializers(),
  );
}

/** Writes `bytes` to `dir/name` and returns the path. */
export async function writeModel(dir: string, name: string, bytes: Uint8Array | string): Promise<string> {
  const file = path.join(dir, name);
  await fs.writeFile(file, bytes);
  return file;
}
