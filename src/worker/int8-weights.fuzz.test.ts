/**
 * Fuzzing of the int8 weight shift, which walks a model's protobuf bytes by hand: mutants of
 * QLinearConv models (weights as raw data and as int32 data), a cut at every length, and
 * random bytes. It returns null, a model, or throws `OnnxFormatError`; a model it writes from
 * bytes protobufjs decodes is decoded too, with the same nodes and the weights shifted by 128.
 */
import { describe, expect, it } from 'vitest';
import { fuzz, mutantAt, mutants, outcome, truncations } from '../../test/support/fuzz.js';
import { saturatingInt8Model, saturatingQdqModel } from '../../test/support/worker-models.js';
import { OnnxFormatError, readGraph } from '../models/onnx-graph.js';
import { decodeModel, encodeModel, type ModelProto } from '../models/onnx-proto.js';
import { shiftInt8Weights } from './int8-weights.js';

/** The int8 model with its weights as `int32_data` instead of raw bytes. */
function int32WeightsModel(): Uint8Array {
  const model = decodeModel(saturatingInt8Model());
  for (const t of model.graph.initializer) {
    if (t.dataType !== 3 || !t.rawData) continue;
    t.int32Data = Array.from(new Int8Array(t.rawData.buffer, t.rawData.byteOffset, t.rawData.length));
    delete t.rawData;
  }
  return encodeModel(model);
}

const samples = [saturatingInt8Model(), int32WeightsModel(), saturatingQdqModel()];

function decoded(bytes: Uint8Array): ModelProto | null {
  try {
    return decodeModel(bytes);
  } catch {
    return null;
  }
}

describe('shiftInt8Weights on mutated and random bytes', () => {
  it('returns null, a model protobuf reads, or OnnxFormatError', async () => {
    const seen = { shifted: 0, compared: 0, unchanged: 0, refused: 0 };
    const cases = [...mutants(samples, 1, 2000), ...truncations(samples[1] as Uint8Array, 'int32 weights')];
    await fuzz(cases, (bytes) => {
      const result = outcome(() => shiftInt8Weights(bytes), [OnnxFormatError]);
      if ('error' in result) {
        expect(result.error.message).toMatch(/^not an ONNX model \(.+\)$/);
        seen.refused++;
        return;
      }
      if (result.value === null) {
        seen.unchanged++;
        return;
      }
      seen.shifted++;
      const before = decoded(bytes);
      if (before && 'value' in outcome(() => readGraph(bytes), [OnnxFormatError])) {
        const after = decodeModel(result.value);
        expect(after.graph.node.map((n) => n.opType)).toEqual(before.graph.node.map((n) => n.opType));
        expect(after.graph.input).toEqual(before.graph.input);
        const byName = new Map(after.graph.initializer.map((t) => [t.name, t]));
        for (const t of before.graph.initializer) {
          const shifted = byName.get(`${t.name}__obifaas_u8`);
          if (!shifted) continue;
          const values = t.rawData?.length
            ? Array.from(t.rawData, (b) => b ^ 0x80)
            : (t.int32Data ?? []).map((v) => (v + 128) & 0xff);
          expect([shifted.dataType, Array.from(shifted.rawData ?? [])]).toEqual([2, values]);
        }
        readGraph(result.value);
        seen.compared++;
      }
    });
    expect(seen.shifted).toBeGreaterThan(50);
    expect(seen.compared).toBeGreaterThan(30);
    expect(seen.unchanged).toBeGreaterThan(50);
    expect(seen.refused).toBeGreaterThan(500);
  });

  // Cases the loop above found, kept as they were found: protobufjs's own errors came through
  // (the function then loaded the model unshifted, as it does for any refusal).
  it('refuses bytes it cannot walk with OnnxFormatError (seed 1 cases 0, 4, 105)', () => {
    for (const index of [0, 4, 105]) {
      const { bytes } = mutantAt(samples, 1, index);
      expect(() => shiftInt8Weights(bytes)).toThrow(OnnxFormatError);
    }
    // A graph whose node field is a varint, not a message ('illegal buffer' before).
    const nodeAsVarint = Uint8Array.of((7 << 3) | 2, 2, (1 << 3) | 0, 1);
    expect(() => shiftInt8Weights(nodeAsVarint)).toThrow(
      new OnnxFormatError('not an ONNX model (a node is not a message: wire type 0)'),
    );
  });
});
