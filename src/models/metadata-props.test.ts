import { describe, expect, it } from 'vitest';
import { metadataOfBytes } from './metadata-props.js';
import { onnxMessageType } from './onnx-proto.js';
import { buildTiny } from './tiny.js';

const MODEL_METADATA_PROPS_TAG = (14 << 3) | 2;

function varint(n: number): number[] {
  const out: number[] = [];
  for (; n >= 0x80; n = Math.floor(n / 0x80)) out.push((n % 0x80) | 0x80);
  return [...out, n];
}

/** A model's bytes with one more `metadata_props` field holding `entry` as it is. */
function withRawEntry(model: Uint8Array, entry: ArrayLike<number>): Uint8Array {
  return Buffer.concat([
    model,
    Uint8Array.from([MODEL_METADATA_PROPS_TAG, ...varint(entry.length)]),
    Uint8Array.from(entry),
  ]);
}

/** A model's bytes with one more entry, encoded by protobufjs. */
function withEntry(model: Uint8Array, key: string, value: string): Uint8Array {
  return withRawEntry(model, onnxMessageType('StringStringEntryProto').encode({ key, value }).finish());
}

const text = (s: string): number[] => [...new TextEncoder().encode(s)];
const tiny = buildTiny().bytes;

describe('metadata entries, decoded without protobufjs', () => {
  it('reads what protobufjs encodes: empty, long and non-ASCII keys and values, the last of a repeated key', async () => {
    let model = tiny;
    model = withEntry(model, 'empty', '');
    model = withEntry(model, 'ünïcode ✓', 'Köln, 東京');
    model = withEntry(model, 'long', 'x'.repeat(70_000));
    model = withEntry(model, 'twice', 'first');
    model = withEntry(model, 'twice', 'second');
    const props = await metadataOfBytes(model);
    expect(props.get('empty')).toBe('');
    expect(props.get('ünïcode ✓')).toBe('Köln, 東京');
    expect(props.get('long')).toHaveLength(70_000);
    expect(props.get('twice')).toBe('second');
  });

  it('takes the fields in any order, skips unknown ones, and reads a missing value as empty', async () => {
    const reordered = [0x12, 1, ...text('v'), 0x18, 0x96, 0x01, 0x0d, 1, 2, 3, 4, 0x0a, 1, ...text('k')];
    const props = await metadataOfBytes(
      withRawEntry(withRawEntry(tiny, reordered), [0x0a, 2, ...text('no')]),
    );
    expect(props.get('k')).toBe('v');
    expect(props.get('no')).toBe('');
    // protobufjs, which the graph tools use, reads the same entry the same way.
    const type = onnxMessageType('StringStringEntryProto');
    expect(type.toObject(type.decode(Uint8Array.from(reordered)))).toEqual({ key: 'k', value: 'v' });
  });

  it('refuses an entry whose string runs past its end, or a wire type protobuf does not have', async () => {
    await expect(metadataOfBytes(withRawEntry(tiny, [0x0a, 5, ...text('abc')]))).rejects.toThrow(
      /not an ONNX model \(a bad metadata entry at byte \d+\)/,
    );
    await expect(metadataOfBytes(withRawEntry(tiny, [0x0f, 0x00]))).rejects.toThrow(/a bad metadata entry/);
  });
});
