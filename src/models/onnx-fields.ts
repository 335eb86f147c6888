/**
 * Protobuf wire types and the ONNX field numbers (onnx/onnx.proto) that the wire-level readers
 * and editors use. No imports: a function reads a model's metadata with these without loading
 * protobufjs.
 */

/** Protobuf wire types. */
export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_BYTES = 2;
export const WIRE_FIXED32 = 5;

/** The ONNX field numbers that the wire-level readers and editors use, by message. */
export const ONNX_FIELD = {
  model: { graph: 7, metadataProps: 14 },
  graph: { node: 1, initializer: 5, input: 11, output: 12 },
  node: { input: 1, opType: 4, domain: 7 },
  valueInfo: { name: 1 },
  tensor: { dims: 1, dataType: 2, int32Data: 5, name: 8, rawData: 9, externalData: 13, dataLocation: 14 },
  stringStringEntry: { key: 1, value: 2 },
} as const;
