/**
 * ONNX messages at the protobuf wire level: a message's fields where they lie in its bytes (so
 * that an edit copies the rest byte for byte), and the few writes an edit makes. Shared by the
 * graph editor (`onnx-graph.ts`) and the function's int8 weight rewrite (`worker/int8-weights.ts`).
 */
import protobuf from 'protobufjs';

import { ONNX_FIELD, WIRE_BYTES, WIRE_VARINT } from './onnx-fields.js';

export { ONNX_FIELD, WIRE_BYTES, WIRE_FIXED32, WIRE_FIXED64, WIRE_VARINT } from './onnx-fields.js';

/** Thrown for bytes that are not an ONNX model with a graph (or not the part of one they should be). */
export class OnnxFormatError extends Error {
  override name = 'OnnxFormatError';
}

/**
 * `parse()`, with protobuf's refusal of the bytes (protobufjs throws plain errors, a range error
 * for a length past the end, and the stack overflows on deep nesting) as an {@link OnnxFormatError}
 * naming `what` was parsed. A `TypeError` is a mistake of ours, not of the bytes: it goes through.
 */
export function parsing<T>(what: string, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (err instanceof OnnxFormatError || err instanceof TypeError || !(err instanceof Error)) throw err;
    const why = err.message.split('\n')[0] ?? err.message;
    throw new OnnxFormatError(`not an ONNX model (cannot parse ${what}: ${why})`, { cause: err });
  }
}

/** The bytes of `field`, which must hold a message or a string; an {@link OnnxFormatError} names `what` otherwise. */
export function messageBytes(field: WireField, what: string): Uint8Array {
  if (field.value) return field.value;
  throw new OnnxFormatError(`not an ONNX model (${what} is not a message: wire type ${field.wire})`);
}

/** One field of a message: where it lies in the parent's bytes, and its value. */
export interface WireField {
  no: number;
  wire: number;
  start: number;
  end: number;
  value?: Uint8Array;
  varint?: number;
}

/** The fields of one message, in order; an {@link OnnxFormatError} naming `what` when they cannot be read. */
export function readFields(bytes: Uint8Array, what = 'protobuf'): WireField[] {
  return parsing(what, () => fieldsOf(bytes));
}

function fieldsOf(bytes: Uint8Array): WireField[] {
  const reader = protobuf.Reader.create(bytes);
  const fields: WireField[] = [];
  while (reader.pos < reader.len) {
    const start = reader.pos;
    const tag = reader.uint32();
    const field: WireField = { no: tag >>> 3, wire: tag & 7, start, end: start };
    if (field.wire === WIRE_BYTES) field.value = reader.bytes();
    else if (field.wire === WIRE_VARINT) {
      const at = reader.pos;
      reader.skipType(WIRE_VARINT);
      field.varint = protobuf.Reader.create(bytes.subarray(at, reader.pos)).int32();
    } else reader.skipType(field.wire);
    field.end = reader.pos;
    fields.push(field);
  }
  return fields;
}

/** Field `no` holding `value` (a message, bytes or a string), tag and length included. */
export function lengthDelimited(no: number, value: Uint8Array): Uint8Array {
  return protobuf.Writer.create()
    .uint32((no << 3) | WIRE_BYTES)
    .bytes(value)
    .finish();
}

/** `parts` one after the other. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A graph's node field with some of the node's inputs renamed (by position); every other field is copied. */
export function renameNodeInputs(node: WireField, renames: ReadonlyMap<number, string>): Uint8Array {
  const bytes = messageBytes(node, 'a node');
  const parts: Uint8Array[] = [];
  let inputIndex = 0;
  for (const f of readFields(bytes, 'a node')) {
    const rename = f.no === ONNX_FIELD.node.input ? renames.get(inputIndex++) : undefined;
    parts.push(
      rename === undefined
        ? bytes.subarray(f.start, f.end)
        : lengthDelimited(ONNX_FIELD.node.input, new TextEncoder().encode(rename)),
    );
  }
  return lengthDelimited(ONNX_FIELD.graph.node, concatBytes(parts));
}
