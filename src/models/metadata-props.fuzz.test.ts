/**
 * Fuzzing of the metadata scan (its own varints, tags and entry decoding) against protobufjs:
 * mutants of small models with metadata before and after the graph, a cut at every length, and
 * random bytes. The scan returns the entries protobufjs reads, or a {@link MetadataFormatError};
 * it never reads entries from bytes that protobuf refuses. The contract read from the entries
 * (JSON, labels, a digest) is issues naming the key for any text, never an error.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { fuzz, mutantAt, mutants, outcomeOf, truncations } from '../../test/support/fuzz.js';
import { poolModel, saturatingInt8Model } from '../../test/support/worker-models.js';
import {
  LABELS_METADATA_KEY,
  LABELS_SHA256_METADATA_KEY,
  PREPROCESS_METADATA_KEY,
  TASK_METADATA_KEY,
} from './contract-metadata.js';
import { MetadataFormatError, metadataOfBytes, readMetadataProps } from './metadata-props.js';
import { contractFromMetadata } from './model-contract.js';
import { onnxMessageType } from './onnx-proto.js';

const METADATA_PROPS = 14;

function withEntries(model: Uint8Array, entries: Array<[string, string]>, before = false): Uint8Array {
  const w = protobuf.Writer.create();
  for (const [key, value] of entries)
    w.uint32((METADATA_PROPS << 3) | 2).bytes(
      onnxMessageType('StringStringEntryProto').encode({ key, value }).finish(),
    );
  const props = w.finish();
  return Buffer.concat(before ? [props, model] : [model, props]);
}

const samples = [
  withEntries(poolModel(), [
    ['obifaas.labels', 'a\nb\nc'],
    ['k', 'ünï ✓'],
  ]),
  withEntries(
    poolModel(),
    [
      ['obifaas.task', 'classify'],
      ['', ''],
    ],
    true,
  ),
  withEntries(saturatingInt8Model(), [['x', 'y'.repeat(200)]]),
];

/**
 * The entries as protobufjs reads them: the model's fields walked with its reader, each
 * `metadata_props` decoded as a `StringStringEntryProto`; null when protobuf refuses the bytes
 * (a field number 0, as protobuf's own parsers do, included).
 */
function reference(bytes: Uint8Array): Map<string, string> | null {
  const entry = onnxMessageType('StringStringEntryProto');
  try {
    const reader = protobuf.Reader.create(Buffer.from(bytes));
    const props = new Map<string, string>();
    while (reader.pos < reader.len) {
      const tag = reader.uint32();
      if (tag >>> 3 === 0) return null;
      if (tag >>> 3 === METADATA_PROPS && (tag & 7) === 2) {
        const m = entry.toObject(entry.decode(reader.bytes()), { defaults: true }) as {
          key: string;
          value: string;
        };
        props.set(m.key, m.value);
      } else reader.skipType(tag & 7);
    }
    return props;
  } catch {
    return null;
  }
}

async function scanAgrees(bytes: Uint8Array): Promise<'agreed' | 'refused' | 'refusedByBoth'> {
  const ours = await outcomeOf(() => metadataOfBytes(bytes), [MetadataFormatError]);
  const expected = reference(bytes);
  if ('value' in ours) {
    expect(expected, 'protobuf refuses bytes the scan read').not.toBeNull();
    expect([...ours.value]).toEqual([...(expected as Map<string, string>)]);
    return 'agreed';
  }
  expect(ours.error.message).toMatch(/^(not an ONNX model \(.+\)|metadata larger than \d+ MB)$/);
  return expected ? 'refused' : 'refusedByBoth';
}

describe('metadata scan on mutated and random bytes', () => {
  it('reads what protobufjs reads, or refuses with MetadataFormatError', async () => {
    const seen = { agreed: 0, refused: 0, refusedByBoth: 0 };
    const cases = [...mutants(samples, 1, 3000), ...truncations(samples[1] as Uint8Array)];
    await fuzz(cases, async (bytes) => {
      seen[await scanAgrees(bytes)]++;
    });
    expect(seen.agreed).toBeGreaterThan(300);
    expect(seen.refusedByBoth).toBeGreaterThan(300);
  });

  it('reads a file as it reads the same bytes in memory', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'obifaas-metadata-fuzz-'));
    try {
      const file = path.join(dir, 'model.onnx');
      await fuzz(mutants(samples, 2, 100), async (bytes) => {
        await fs.writeFile(file, bytes);
        const fromFile = await outcomeOf(() => readMetadataProps(file), [MetadataFormatError]);
        const inMemory = await outcomeOf(() => metadataOfBytes(bytes), [MetadataFormatError]);
        expect('value' in fromFile ? [...fromFile.value] : fromFile.error.message).toEqual(
          'value' in inMemory ? [...inMemory.value] : inMemory.error.message,
        );
      });
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('turns any metadata text into a contract and issues naming the key, never an error', async () => {
    const values = [
      JSON.stringify({ resize: 256, crop: 224, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] }),
      JSON.stringify({ type: 'classify' }),
      'cat\ndog\n',
      'ab'.repeat(32),
    ].map((v) => Buffer.from(v));
    const keys = [
      PREPROCESS_METADATA_KEY,
      TASK_METADATA_KEY,
      LABELS_METADATA_KEY,
      LABELS_SHA256_METADATA_KEY,
    ];
    await fuzz(mutants(values, 3, 1500), (bytes) => {
      const text = Buffer.from(bytes).toString('utf8');
      for (const key of keys) {
        const { issues } = contractFromMetadata(new Map([[key, text]]), 'm.onnx');
        for (const issue of issues) expect(issue.path.startsWith(`model m.onnx, metadata ${key}`)).toBe(true);
      }
    });
  });

  // Cases the loop above found, kept as they were found.
  it('refuses a fixed-size field cut by the end of the file (seed 1 case 10)', async () => {
    const { bytes } = mutantAt(samples, 1, 10);
    expect(reference(bytes)).toBeNull();
    await expect(metadataOfBytes(bytes)).rejects.toThrow(
      /the field at byte \d+ runs past the end of the file/,
    );
    const cut = Uint8Array.from([...samples[0]!, (1 << 3) | 1, 1, 2, 3]);
    await expect(metadataOfBytes(cut)).rejects.toThrow(MetadataFormatError);
  });

  it('refuses a tag of field number 0 or over 32 bits (seed 1 cases 628, 1724, 2479)', async () => {
    for (const index of [628, 1724, 2479]) {
      const { bytes } = mutantAt(samples, 1, index);
      expect(reference(bytes)).toBeNull();
      await expect(metadataOfBytes(bytes)).rejects.toThrow(/bad field tag|bad metadata entry/);
    }
    // A ten-byte tag of 2^64 - 1: wire type 7 in its low 32 bits, as protobuf reads it.
    const longTag = Uint8Array.from([
      ...samples[0]!,
      0xff,
      0xff,
      0xff,
      0xff,
      0xff,
      0xff,
      0xff,
      0xff,
      0xff,
      0x01,
      0,
    ]);
    await expect(metadataOfBytes(longTag)).rejects.toThrow(/bad field tag/);
    await expect(metadataOfBytes(Uint8Array.of(0x00, 0x00))).rejects.toThrow(/bad field tag at byte 0/);
  });
});
