/**
 * An ONNX model's `metadata_props` (key/value strings), read without decoding the graph: the
 * top-level fields of the `ModelProto` are walked and every field but the metadata is skipped
 * by its length, so a function reads a large model's metadata with a few small reads. The
 * entries (`StringStringEntryProto`: two strings) are decoded here too, without protobufjs, which
 * a function running a static job then never loads.
 */
import fs from 'node:fs/promises';
import {
  ONNX_FIELD,
  readTag,
  readVarint,
  WIRE_BYTES,
  WIRE_FIXED32,
  WIRE_FIXED64,
  WIRE_VARINT,
} from './onnx-fields.js';

/** Bytes that cannot hold a model's metadata. */
export class MetadataFormatError extends Error {
  override name = 'MetadataFormatError';
}

/** The most metadata text we read (all entries together). */
export const MAX_METADATA_BYTES = 16 * 1024 * 1024;

const utf8 = new TextDecoder();

/** Where the field at `at` of `bytes` ends (its bytes, for a length-delimited one), or null if cut short. */
function fieldAt(
  bytes: Uint8Array,
  at: number,
): { no: number; wire: number; next: number; value?: Uint8Array } | null {
  const tag = readTag(bytes, at);
  if (!tag) return null;
  const { no, wire } = tag;
  if (wire === WIRE_BYTES) {
    const len = readVarint(bytes, tag.next);
    if (!len || len.next + len.value > bytes.length) return null;
    const next = len.next + len.value;
    return { no, wire, next, value: bytes.subarray(len.next, next) };
  }
  if (wire === WIRE_VARINT) {
    const v = readVarint(bytes, tag.next);
    return v ? { no, wire, next: v.next } : null;
  }
  if (wire === WIRE_FIXED64 || wire === WIRE_FIXED32) {
    const next = tag.next + (wire === WIRE_FIXED64 ? 8 : 4);
    return next <= bytes.length ? { no, wire, next } : null;
  }
  return null;
}

/** One `StringStringEntryProto`: its key and value (empty when absent; other fields skipped). */
function decodeEntry(bytes: Uint8Array, pos: number): { key: string; value: string } {
  const entry = { key: '', value: '' };
  for (let at = 0; at < bytes.length;) {
    const field = fieldAt(bytes, at);
    if (!field) throw new MetadataFormatError(`not an ONNX model (a bad metadata entry at byte ${pos})`);
    if (field.value && field.no === ONNX_FIELD.stringStringEntry.key) entry.key = utf8.decode(field.value);
    else if (field.value && field.no === ONNX_FIELD.stringStringEntry.value)
      entry.value = utf8.decode(field.value);
    at = field.next;
  }
  return entry;
}

/** Something that can read `length` bytes at `position` (a file, or bytes in memory). */
type ReadAt = (position: number, length: number) => Promise<Uint8Array>;

const pastTheEnd = (pos: number): MetadataFormatError =>
  new MetadataFormatError(`not an ONNX model (the field at byte ${pos} runs past the end of the file)`);

async function scan(readAt: ReadAt, size: number): Promise<Map<string, string>> {
  const props = new Map<string, string>();
  let total = 0;
  for (let pos = 0; pos < size;) {
    const head = await readAt(pos, Math.min(20, size - pos));
    const tag = readTag(head, 0);
    if (!tag) throw new MetadataFormatError(`not an ONNX model (bad field tag at byte ${pos})`);
    const { no, wire } = tag;
    let next: number;
    if (wire === WIRE_BYTES) {
      const len = readVarint(head, tag.next);
      if (!len) throw new MetadataFormatError(`not an ONNX model (bad length at byte ${pos})`);
      const start = pos + len.next;
      next = start + len.value;
      if (next > size) throw pastTheEnd(pos);
      if (no === ONNX_FIELD.model.metadataProps) {
        total += len.value;
        if (total > MAX_METADATA_BYTES)
          throw new MetadataFormatError(`metadata larger than ${MAX_METADATA_BYTES / 1024 / 1024} MB`);
        const entry = decodeEntry(await readAt(start, len.value), start);
        props.set(entry.key, entry.value);
      }
    } else if (wire === WIRE_VARINT) {
      const v = readVarint(head, tag.next);
      if (!v) throw new MetadataFormatError(`not an ONNX model (bad varint at byte ${pos})`);
      next = pos + v.next;
    } else if (wire === WIRE_FIXED64 || wire === WIRE_FIXED32) {
      next = pos + tag.next + (wire === WIRE_FIXED64 ? 8 : 4);
    } else {
      throw new MetadataFormatError(`not an ONNX model (wire type ${wire} at byte ${pos})`);
    }
    if (next > size) throw pastTheEnd(pos);
    pos = next;
  }
  return props;
}

/** The metadata of a model held in memory. */
export async function metadataOfBytes(bytes: Uint8Array): Promise<Map<string, string>> {
  return scan(async (position, length) => bytes.subarray(position, position + length), bytes.length);
}

/** The metadata of a model file, read field by field (the graph is skipped, never read). */
export async function readMetadataProps(file: string): Promise<Map<string, string>> {
  const handle = await fs.open(file, 'r');
  try {
    const { size } = await handle.stat();
    return await scan(async (position, length) => {
      const buffer = new Uint8Array(length);
      const { bytesRead } = await handle.read(buffer, 0, length, position);
      return buffer.subarray(0, bytesRead);
    }, size);
  } finally {
    await handle.close();
  }
}
