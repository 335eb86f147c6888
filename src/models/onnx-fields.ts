/**
 * Protobuf wire types, the varint and tag readers, and the ONNX field numbers (onnx/onnx.proto)
 * that the wire-level readers and editors use. No imports: a function reads a model's metadata
 * and operators with these without loading protobufjs.
 */

/** Protobuf wire types. */
export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_BYTES = 2;
export const WIRE_FIXED32 = 5;

/** A varint at `at` of `bytes`: its value (up to 2^53) and the position after it, or null if cut. */
export function readVarint(bytes: Uint8Array, at: number): { value: number; next: number } | null {
  let value = 0;
  let factor = 1;
  for (let i = at; i < bytes.length && i < at + 10; i++) {
    const b = bytes[i] as number;
    value += (b & 0x7f) * factor;
    factor *= 128;
    if ((b & 0x80) === 0) return { value, next: i + 1 };
  }
  return null;
}

/**
 * The field tag at `at`: its field number and wire type, or null when cut short or not a tag
 * protobuf writes (field number 0, or more than 32 bits, which protobufjs and ONNX Runtime refuse).
 */
export function readTag(bytes: Uint8Array, at: number): { no: number; wire: number; next: number } | null {
  const tag = readVarint(bytes, at);
  if (!tag || tag.value < 8 || tag.value > 0xffffffff) return null;
  return { no: Math.floor(tag.value / 8), wire: tag.value % 8, next: tag.next };
}

/** The ONNX field numbers that the wire-level readers and editors use, by message. */
export const ONNX_FIELD = {
  model: { graph: 7, metadataProps: 14 },
  graph: { node: 1, initializer: 5, input: 11, output: 12 },
  node: { input: 1, opType: 4, domain: 7 },
  valueInfo: { name: 1 },
  tensor: { dims: 1, dataType: 2, int32Data: 5, name: 8, rawData: 9, externalData: 13, dataLocation: 14 },
  stringStringEntry: { key: 1, value: 2 },
} as const;
