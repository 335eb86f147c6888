/**
 * Fuzzing of the wire-level model reader and editor against protobufjs's decoder: mutants of
 * small models (float, QLinear int8, QDQ), a cut at every length, random bytes and deep
 * nesting. `readFields` and `readGraph` return a result or throw {@link OnnxFormatError};
 * where protobufjs decodes the model, `readGraph` reads the same graph (or refuses a known
 * field of the wrong wire type, which protobufjs misreads); an edit of a graph it read is
 * read back.
 */
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { fuzz, mutantAt, mutants, outcome, truncations } from '../../test/support/fuzz.js';
import { poolModel, saturatingInt8Model, saturatingQdqModel } from '../../test/support/worker-models.js';
import { editGraph, OnnxFormatError, readGraph, type OnnxGraph } from './onnx-graph.js';
import { decodeModel, type ModelProto } from './onnx-proto.js';
import { readFields } from './onnx-wire.js';

const samples = [poolModel(), saturatingInt8Model(), saturatingQdqModel()];

/** What both readers say of a graph: nodes, initializer names, input and output names. */
function summary(
  graph: Pick<OnnxGraph, 'nodes' | 'inputs' | 'outputs'> & { initializerNames: string[] },
): string {
  return JSON.stringify([
    graph.nodes.map((n) => [n.opType, n.input, n.output]),
    graph.initializerNames,
    graph.inputs.map((i) => i.name),
    graph.outputs.map((o) => o.name),
  ]);
}

function decodedByProtobufjs(bytes: Uint8Array): ModelProto | null {
  try {
    return decodeModel(bytes);
  } catch {
    return null;
  }
}

describe('readGraph on mutated and random bytes', () => {
  it('reads what protobufjs decodes, or refuses with OnnxFormatError; never another error', async () => {
    const seen = { agreed: 0, refusedByBoth: 0, wrongWireType: 0, edited: 0 };
    const cases = [...mutants(samples, 1, 3000), ...truncations(samples[1] as Uint8Array, 'int8 model')];
    await fuzz(cases, (bytes) => {
      outcome(() => readFields(bytes), [OnnxFormatError]);
      const read = outcome(() => readGraph(bytes), [OnnxFormatError]);
      const reference = decodedByProtobufjs(bytes);
      if ('error' in read) {
        expect(read.error.message).toMatch(/^not an ONNX model \(.+\)$/);
        if (reference?.graph) {
          expect(read.error.message).toMatch(/is not a message: wire type/);
          seen.wrongWireType++;
        } else seen.refusedByBoth++;
        return;
      }
      const graph = read.value;
      if (reference) {
        expect(summary({ ...graph, initializerNames: [...graph.initializers.keys()] })).toBe(
          summary({
            nodes: reference.graph.node.map((n, index) => ({ ...n, index })),
            inputs: reference.graph.input,
            outputs: reference.graph.output,
            initializerNames: reference.graph.initializer.map((t) => t.name),
          }),
        );
        seen.agreed++;
      }
      // An edit of a graph read copies what it does not change, and is read back.
      const edited = readGraph(editGraph(graph, { metadata: [{ key: 'fuzz', value: 'edited' }] }));
      expect(edited.metadata.find((m) => m.key === 'fuzz')?.value).toBe('edited');
      expect(edited.nodes.map((n) => n.opType)).toEqual(graph.nodes.map((n) => n.opType));
      seen.edited++;
    });
    expect(seen.agreed).toBeGreaterThan(100);
    expect(seen.refusedByBoth).toBeGreaterThan(1000);
  });

  it('refuses deep nesting (a graph in a node attribute, 1,000 deep; protobuf stops at 100) with OnnxFormatError', () => {
    const field = (no: number, value: Uint8Array): Uint8Array =>
      protobuf.Writer.create()
        .uint32((no << 3) | 2)
        .bytes(value)
        .finish();
    let graph: Uint8Array = new Uint8Array(0);
    for (let depth = 0; depth < 1_000; depth++) graph = field(1, field(5, field(6, graph)));
    expect(() => readGraph(field(7, graph))).toThrow(
      new OnnxFormatError('not an ONNX model (cannot parse node 0: max depth exceeded)'),
    );
  });

  // Cases the loop above found, kept as they were found: protobufjs's errors came through as
  // plain errors (a RangeError, 'illegal buffer' for a node that is not a message), which
  // `model quantize` reported as an internal error (exit 1), not a bad model (exit 2).
  it('refuses a nested message cut short, or a graph field that is not a message (seed 1 cases 43, 57, 2849)', () => {
    const messages = [43, 57, 2849].map((index) => {
      const { bytes } = mutantAt(samples, 1, index);
      expect(decodedByProtobufjs(bytes)).toBeNull();
      const read = outcome(() => readGraph(bytes), [OnnxFormatError]);
      return 'error' in read ? read.error.message : 'read';
    });
    expect(messages).toEqual([
      'not an ONNX model (cannot parse its top-level fields: index out of range: 23 + 8 > 28)',
      'not an ONNX model (cannot parse graph output 0: invalid wire type 4 at offset 9)',
      'not an ONNX model (node 7 is not a message: wire type 0)',
    ]);
  });
});
