import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { editGraph, readGraph } from './onnx-graph.js';
import { readFields } from './onnx-wire.js';
import { AttributeType, DataType } from './onnx-proto.js';
import { buildTiny } from './tiny.js';

/** A field unknown to our schema (field 99, bytes), as a newer ONNX would write. */
function unknownField(no: number, text: string): Uint8Array {
  return protobuf.Writer.create()
    .uint32((no << 3) | 2)
    .string(text)
    .finish();
}

/** The tiny model with unknown fields added to the model and to its graph. */
function modelWithUnknownFields(): Uint8Array {
  const bytes = buildTiny().bytes;
  const top = readFields(bytes);
  const parts: Uint8Array[] = [];
  for (const f of top) {
    if (f.no !== 7) {
      parts.push(bytes.subarray(f.start, f.end));
      continue;
    }
    const graph = Buffer.concat([f.value as Uint8Array, unknownField(99, 'graph extra')]);
    parts.push(
      protobuf.Writer.create()
        .uint32((7 << 3) | 2)
        .bytes(graph)
        .finish(),
    );
  }
  parts.push(unknownField(98, 'model extra'));
  return Buffer.concat(parts);
}

describe('the lossless graph editor', () => {
  it('reads nodes, initializers, inputs, outputs, opsets and metadata', () => {
    const graph = readGraph(buildTiny().bytes);
    expect(graph.nodes.map((n) => n.opType)).toEqual([
      'Conv',
      'Relu',
      'Conv',
      'Relu',
      'Conv',
      'Relu',
      'GlobalAveragePool',
      'Flatten',
      'Gemm',
    ]);
    expect(graph.initializers.get('conv1.weight')?.dims).toEqual([24, 3, 5, 5]);
    expect(graph.inputs.map((i) => i.name)).toEqual(['input']);
    expect(graph.outputs.map((o) => o.name)).toEqual(['logits']);
    expect(graph.opsets).toEqual([{ domain: '', version: 13 }]);
    expect(graph.metadata).toContainEqual({ key: 'obifaas.model', value: 'tiny' });
  });

  it('gives back the same bytes when nothing changes, fields it does not know included', () => {
    const bytes = modelWithUnknownFields();
    const same = Buffer.compare(Buffer.from(editGraph(readGraph(bytes), {})), Buffer.from(bytes)) === 0;
    expect(same).toBe(true);
  });

  it('applies an edit and copies every other field', () => {
    const bytes = modelWithUnknownFields();
    const graph = readGraph(bytes);
    const edited = editGraph(graph, {
      prepend: [
        { name: 'first', opType: 'Identity', input: ['input'], output: ['input_copy'], attribute: [] },
      ],
      insertAfter: new Map([
        [
          0,
          [
            {
              name: 'after_conv1',
              opType: 'Identity',
              input: ['conv1'],
              output: ['conv1_copy'],
              attribute: [],
            },
          ],
        ],
      ]),
      renameInputs: new Map([[1, new Map([[0, 'conv1_copy']])]]),
      removeInitializers: new Set(['conv1.bias']),
      addInitializers: [
        { name: 'conv1.bias', dims: [24], dataType: DataType.FLOAT, rawData: new Uint8Array(96) },
      ],
      addOutputs: [{ name: 'relu1' } as never],
      metadata: [{ key: 'obifaas.model', value: 'renamed' }],
    });
    const back = readGraph(edited);
    expect(back.nodes.map((n) => n.name).slice(0, 4)).toEqual(['first', 'conv1', 'after_conv1', 'relu1']);
    expect(back.nodes[3]?.input).toEqual(['conv1_copy']);
    expect(back.nodes[1]?.attribute.find((a) => a.name === 'kernel_shape')).toMatchObject({
      type: AttributeType.INTS,
      ints: [5, 5],
    });
    expect([...back.initializers.keys()].filter((k) => k === 'conv1.bias')).toHaveLength(1);
    expect(back.outputs.map((o) => o.name)).toEqual(['logits', 'relu1']);
    expect(back.metadata.filter((m) => m.key === 'obifaas.model')).toEqual([
      { key: 'obifaas.model', value: 'renamed' },
    ]);
    const text = Buffer.from(edited).toString('latin1');
    expect(text).toContain('graph extra');
    expect(text).toContain('model extra');
  });
});
