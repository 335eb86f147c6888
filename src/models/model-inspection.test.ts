import { describe, expect, it } from 'vitest';
import { inspectModel } from './model-inspection.js';
import { encodeModel, type ValueInfoProto } from './onnx-proto.js';
import { readGraph } from './onnx-graph.js';

const FLOAT = 1;

function value(name: string, dims: Array<number | string>): ValueInfoProto {
  const dim = dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d }));
  return { name, type: { tensorType: { elemType: FLOAT, shape: { dim } } } };
}

/** A one-node graph from an image input to an output of the given shape (inspected, never run). */
function identityModel(outputDims: Array<number | string>): Uint8Array {
  return encodeModel({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 13 }],
    producerName: 'obifaas-tests',
    producerVersion: '0',
    graph: {
      name: 'identity',
      node: [{ name: 'id', opType: 'Identity', input: ['image'], output: ['out'], attribute: [] }],
      initializer: [],
      input: [value('image', ['N', 3, 224, 224])],
      output: [value('out', outputDims)],
    },
  });
}

describe('inspectModel', () => {
  it('refuses a model whose output does not fit the task, as a job would, rather than saying it would run', () => {
    const bytes = identityModel(['N', 3, 224, 224]);
    const inspection = inspectModel(readGraph(bytes), 'seg.onnx', bytes.length);
    expect(inspection.problems).toEqual([
      "model seg.onnx: output 'out' has shape [N, 3, 224, 224]; task classify needs [N, C] (one score per class, C >= 1); task embed reads it as one vector per input",
    ]);
  });

  it('finds nothing wrong with an image model whose output is [N, C]', () => {
    const bytes = identityModel(['N', 1000]);
    expect(inspectModel(readGraph(bytes), 'classifier.onnx', bytes.length).problems).toEqual([]);
  });
});
