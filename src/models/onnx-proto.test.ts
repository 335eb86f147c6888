import { describe, expect, it } from 'vitest';
import {
  type AttributeProto,
  AttributeType,
  DataType,
  decodeModel,
  encodeModel,
  float32RawData,
  type ModelProto,
  tensorFloats,
} from './onnx-proto.js';

function smallModel(): ModelProto {
  return {
    irVersion: 8,
    opsetImport: [{ domain: '', version: 13 }],
    producerName: 'test',
    producerVersion: '1',
    graph: {
      name: 'g',
      node: [
        {
          name: 'n',
          opType: 'Conv',
          input: ['x', 'w'],
          output: ['y'],
          attribute: [
            { name: 'pads', type: AttributeType.INTS, ints: [0, 1, 0, 1] },
            { name: 'group', type: AttributeType.INT, i: 1 },
            { name: 'alpha', type: AttributeType.FLOAT, f: 0.5 },
          ],
        },
      ],
      initializer: [
        {
          name: 'w',
          dims: [2, 1],
          dataType: DataType.FLOAT,
          rawData: float32RawData(new Float32Array([1.5, -2])),
        },
      ],
      input: [
        {
          name: 'x',
          type: {
            tensorType: {
              elemType: DataType.FLOAT,
              shape: { dim: [{ dimParam: 'batch' }, { dimValue: 3 }] },
            },
          },
        },
      ],
      output: [
        { name: 'y', type: { tensorType: { elemType: DataType.FLOAT, shape: { dim: [{ dimValue: 0 }] } } } },
      ],
    },
    metadataProps: [{ key: 'k', value: 'v' }],
  };
}

describe('ONNX protobuf schema', () => {
  it('round-trips a model through encode and decode', () => {
    const decoded = decodeModel(encodeModel(smallModel()));
    expect(decoded.irVersion).toBe(8);
    expect(decoded.opsetImport).toEqual([{ domain: '', version: 13 }]);
    const node = decoded.graph.node[0];
    expect(node?.opType).toBe('Conv');
    const value = (a: AttributeProto) =>
      a.type === AttributeType.INTS ? a.ints : a.type === AttributeType.INT ? a.i : a.f;
    expect(node?.attribute.map((a) => [a.name, a.type, value(a)])).toEqual([
      ['pads', AttributeType.INTS, [0, 1, 0, 1]],
      ['group', AttributeType.INT, 1],
      ['alpha', AttributeType.FLOAT, 0.5],
    ]);
    expect(decoded.graph.input[0]?.type.tensorType.shape.dim).toEqual([
      { dimParam: 'batch' },
      { dimValue: 3 },
    ]);
    expect(decoded.graph.output[0]?.type.tensorType.shape.dim).toEqual([{ dimValue: 0 }]);
    const w = decoded.graph.initializer[0];
    expect(w?.dims).toEqual([2, 1]);
    expect(Array.from(tensorFloats(w!))).toEqual([1.5, -2]);
    expect(decoded.metadataProps).toEqual([{ key: 'k', value: 'v' }]);
  });

  it('uses the field numbers of onnx.proto', () => {
    const hex = (m: ModelProto) => Buffer.from(encodeModel(m)).toString('hex');
    const base = smallModel();
    // ModelProto.ir_version = 1 (varint): tag 0x08; opset_import = 8 (message): tag 0x42.
    const bytes = hex(base);
    expect(bytes.startsWith('0808')).toBe(true);
    // OperatorSetIdProto { domain = 1: '', version = 2: 13 } -> 0a 00 10 0d.
    expect(bytes).toContain('42040a00100d');
    // TensorProto raw_data = 9 (bytes): tag 0x4a, 8 bytes of little-endian float32 (1.5, -2).
    expect(bytes).toContain('4a080000c03f000000c0');
    // TensorProto dims = 1, unpacked as in proto2: 08 02 08 01; data_type = 2: 10 01.
    expect(bytes).toContain('08020801' + '1001');
    // TensorShapeProto.Dimension dim_param = 2: 12 05 'batch'.
    expect(bytes).toContain('1205' + Buffer.from('batch').toString('hex'));
    // AttributeProto.type = 20 (varint): tag 0xa0 0x01, value INTS = 7.
    expect(bytes).toContain('a00107');
  });

  it('writes float raw data little-endian', () => {
    const raw = float32RawData(new Float32Array([1]));
    expect(Array.from(raw)).toEqual([0x00, 0x00, 0x80, 0x3f]);
  });
});
