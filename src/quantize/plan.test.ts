import { describe, expect, it } from 'vitest';
import type { GraphInitializer, GraphNode } from '../models/onnx-graph.js';
import { DataType, float32RawData } from '../models/onnx-proto.js';
import { planQuantization, type PlanInput } from './plan.js';

function node(
  index: number,
  opType: string,
  input: string[],
  output: string[],
  name = `n${index}`,
): GraphNode {
  return { index, name, opType, input, output, attribute: [], domain: '' };
}

function init(name: string, dims: number[]): GraphInitializer {
  const values = new Float32Array(dims.reduce((a, d) => a * d, 1)).fill(0.5);
  return {
    name,
    dims,
    dataType: DataType.FLOAT,
    external: false,
    tensor: { name, dims, dataType: DataType.FLOAT, rawData: float32RawData(values) },
  };
}

function plan(
  nodes: GraphNode[],
  inits: GraphInitializer[],
  outputs: string[],
  extra: Partial<PlanInput> = {},
) {
  const floats = new Set(['x', ...nodes.flatMap((n) => n.output)]);
  return planQuantization({
    nodes,
    initializers: new Map(inits.map((i) => [i.name, i])),
    graphInputs: ['x'],
    graphOutputs: outputs,
    floatTensors: floats,
    opset: 13,
    perChannel: true,
    exclude: new Set(),
    ...extra,
  });
}

describe('planning what to quantize', () => {
  const convNet = [
    node(0, 'Conv', ['x', 'w1', 'b1'], ['c1'], 'conv1'),
    node(1, 'Relu', ['c1'], ['r1'], 'relu1'),
    node(2, 'MaxPool', ['r1'], ['p1'], 'pool'),
    node(3, 'Conv', ['p1', 'w2'], ['c2'], 'conv2'),
    node(4, 'Add', ['c2', 'p1'], ['a'], 'add'),
    node(5, 'Flatten', ['a'], ['f'], 'flatten'),
    node(6, 'MatMul', ['f', 'w3'], ['m'], 'fc'),
    node(7, 'Add', ['m', 'b3'], ['y'], 'fc_bias'),
  ];
  const inits = [
    init('w1', [4, 3, 3, 3]),
    init('b1', [4]),
    init('w2', [4, 4, 1, 1]),
    init('w3', [16, 10]),
    init('b3', [10]),
  ];

  it('folds a ReLU, shares scales through pooling and reshaping, and keeps the logits float32', () => {
    const p = plan(convNet, inits, ['y']);
    const sources = Object.fromEntries(p.activations.map((a) => [a.tensor, a.source]));
    expect(sources).toEqual({
      x: { kind: 'calibrated' },
      r1: { kind: 'calibrated', clip: { min: 0, max: Infinity } },
      p1: { kind: 'shared', with: 'r1' },
      c2: { kind: 'calibrated' },
      a: { kind: 'calibrated' },
      f: { kind: 'shared', with: 'a' },
    });
    expect(p.nodes.map((n) => n.quantized)).toEqual([true, true, true, true, true, true, true, true]);
    expect(p.nodes[7]?.note).toBe('bias of fc');
    expect(p.weights).toEqual([
      { tensor: 'w1', axis: 0, node: 0 },
      { tensor: 'w2', axis: 0, node: 3 },
      { tensor: 'w3', axis: 1, node: 6 },
    ]);
    expect(p.biases.map((b) => [b.tensor, b.input, b.weight])).toEqual([
      ['b1', 'x', 'w1'],
      ['b3', 'f', 'w3'],
    ]);
  });

  it('leaves excluded nodes, and a convolution whose output is a graph output, in float32', () => {
    const p = plan(convNet, inits, ['y', 'c2'], { exclude: new Set(['conv1']) });
    expect(p.nodes[0]).toMatchObject({ quantized: false, note: 'excluded' });
    expect(p.nodes[3]).toMatchObject({ quantized: false, note: 'its output is a graph output' });
    expect(p.activations.map((a) => a.tensor)).not.toContain('x');
  });

  it('uses one scale per weight tensor without per-channel, or below opset 13', () => {
    expect(plan(convNet, inits, ['y'], { perChannel: false }).weights.every((w) => w.axis === null)).toBe(
      true,
    );
    expect(plan(convNet, inits, ['y'], { opset: 12 }).weights.every((w) => w.axis === null)).toBe(true);
  });

  it('says why an operator stays float32', () => {
    const p = plan(
      [node(0, 'Conv', ['x', 'x'], ['c'], 'dynamic'), node(1, 'Softmax', ['c'], ['s'], 'softmax')],
      [],
      ['s'],
    );
    expect(p.nodes.map((n) => n.note)).toEqual([
      'its weight is not a constant float32 initializer',
      'not a quantizable operator',
    ]);
    expect(p.activations).toEqual([]);
  });
});
