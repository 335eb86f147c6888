/**
 * A model's declared inputs and outputs, read from its graph without a runtime (pure): names,
 * element types as ONNX Runtime names them, and shapes with symbolic dimensions kept by name.
 */
import type { Dim, TensorInfo } from '../protocol/task-output.js';
import type { OnnxGraph } from './onnx-graph.js';
import type { ValueInfoProto } from './onnx-proto.js';

/** ONNX `TensorProto.DataType` -> ONNX Runtime's type name. */
const ELEMENT_TYPES: Readonly<Record<number, string>> = {
  1: 'float32',
  2: 'uint8',
  3: 'int8',
  4: 'uint16',
  5: 'int16',
  6: 'int32',
  7: 'int64',
  8: 'string',
  9: 'bool',
  10: 'float16',
  11: 'float64',
  12: 'uint32',
  13: 'uint64',
  16: 'bfloat16',
};

/** One declared input or output (a value without a declared shape has shape null). */
export function tensorInfoOf(value: ValueInfoProto): TensorInfo {
  const tensor = value.type?.tensorType;
  const dims = tensor?.shape?.dim;
  const type = tensor ? (ELEMENT_TYPES[tensor.elemType] ?? `type ${tensor.elemType}`) : 'non-tensor';
  const shape: Dim[] | null =
    dims === undefined || tensor?.shape === undefined
      ? null
      : dims.map((d) =>
          typeof d.dimValue === 'number'
            ? d.dimValue
            : d.dimParam !== undefined && d.dimParam !== ''
              ? d.dimParam
              : null,
        );
  return { name: value.name, type, shape };
}

/** The graph's outputs, in order. */
export function graphOutputs(graph: Pick<OnnxGraph, 'outputs'>): TensorInfo[] {
  return graph.outputs.map(tensorInfoOf);
}
