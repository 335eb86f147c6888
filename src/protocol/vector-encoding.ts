/**
 * How an embed job's vectors travel (pure): the float32 values of one input's vector, little
 * endian, as base64 text in JSON (child-process IPC, Lambda, HTTP functions) and as the same
 * bytes unencoded in the dispatcher's protobuf messages. Four bytes a value (about 5.3 as base64)
 * instead of up to 25 characters of JSON number text.
 */

/** Bytes of one float32 value. */
export const FLOAT32_BYTES = 4;

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** True on a little-endian machine, where a Float32Array's bytes are already the wire order. */
const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

/** The little-endian bytes of `values`. */
export function vectorBytes(values: Float32Array): Uint8Array {
  if (LITTLE_ENDIAN) return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  const out = new Uint8Array(values.length * FLOAT32_BYTES);
  const view = new DataView(out.buffer);
  values.forEach((v, i) => view.setFloat32(i * FLOAT32_BYTES, v, true));
  return out;
}

/** The values of little-endian float32 `bytes` (a multiple of 4 long). */
export function vectorFromBytes(bytes: Uint8Array): Float32Array {
  const count = Math.floor(bytes.byteLength / FLOAT32_BYTES);
  const out = new Float32Array(count);
  if (LITTLE_ENDIAN) {
    new Uint8Array(out.buffer).set(bytes.subarray(0, count * FLOAT32_BYTES));
    return out;
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < count; i++) out[i] = view.getFloat32(i * FLOAT32_BYTES, true);
  return out;
}

/** `values` as base64 text of their little-endian bytes. */
export function encodeVector(values: Float32Array): string {
  const bytes = vectorBytes(values);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/** The values of a vector's base64 text (checked with {@link isVectorText} first). */
export function decodeVector(text: string): Float32Array {
  return vectorFromBytes(Buffer.from(text, 'base64'));
}

/** Length of the base64 text of `bytes` bytes. */
export function base64Length(bytes: number): number {
  return 4 * Math.ceil(bytes / 3);
}

/** Whether `text` is base64 of a non-empty whole number of float32 values. */
export function isVectorText(text: string): boolean {
  if (text.length === 0 || text.length % 4 !== 0 || !BASE64.test(text)) return false;
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  return ((text.length / 4) * 3 - padding) % FLOAT32_BYTES === 0;
}

/** The values of `vector` that are NaN or infinite, counted (0 for a vector that is all finite). */
export function nonFiniteCount(vector: Float32Array): number {
  let bad = 0;
  for (const v of vector) if (!Number.isFinite(v)) bad++;
  return bad;
}
