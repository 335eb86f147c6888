import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { poolModel, saturatingInt8Model, saturatingQdqModel } from '../../test/support/worker-models.js';
import { decodeModel, encodeModel, type ModelProto, type NodeProto } from './onnx-proto.js';
import {
  GraphFormatError,
  MAX_GRAPH_DEPTH,
  operatorsOfBytes,
  readModelOperators,
  type ModelOperator,
} from './onnx-operators.js';
import { buildTiny } from './tiny.js';
import { Random } from '../core/random.js';

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'obifaas-operators-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

const names = (ops: readonly ModelOperator[]): string[] =>
  ops.map((op) => (op.domain === '' ? op.opType : `${op.domain}.${op.opType}`)).sort();

/** A model whose graph is one `If` node, its branches nested `depth` deep around a `leaf` node. */
function nestedIfModel(depth: number, leaf: NodeProto): Uint8Array {
  let branch = { name: 'leaf', node: [leaf], initializer: [], input: [], output: [] };
  for (let i = 0; i < depth; i++) {
    const ifNode = {
      name: `if${i}`,
      opType: 'If',
      input: ['cond'],
      output: ['y'],
      attribute: [
        { name: 'then_branch', type: 5, g: branch },
        { name: 'else_branch', type: 5, g: { ...branch, node: [] } },
      ],
    };
    branch = {
      name: `g${i}`,
      node: [ifNode as unknown as NodeProto],
      initializer: [],
      input: [],
      output: [],
    };
  }
  const model: ModelProto = {
    irVersion: 8,
    opsetImport: [{ domain: '', version: 13 }],
    producerName: 'obifaas-tests',
    producerVersion: '0',
    graph: branch,
  };
  return encodeModel(model);
}

const leaf: NodeProto = { name: 'mm', opType: 'QLinearMatMul', input: [], output: ['y'], attribute: [] };

describe('the operators of a model, read without its weights', () => {
  it('are the op types of every node, each once', () => {
    const tiny = buildTiny().bytes;
    const expected = [...new Set(decodeModel(tiny).graph.node.map((n) => n.opType))].sort();
    expect(names(operatorsOfBytes(tiny))).toEqual(expected);
    expect(names(operatorsOfBytes(poolModel()))).toEqual(['Flatten', 'GlobalAveragePool']);
    expect(names(operatorsOfBytes(saturatingInt8Model()))).toEqual([
      'DequantizeLinear',
      'Flatten',
      'QLinearConv',
      'QuantizeLinear',
    ]);
    expect(names(operatorsOfBytes(saturatingQdqModel()))).toContain('DequantizeLinear');
  });

  it('are the same read from a file as from memory', async () => {
    const file = path.join(dir, 'tiny.onnx');
    const tiny = buildTiny().bytes;
    await fs.writeFile(file, tiny);
    expect(names(readModelOperators(file))).toEqual(names(operatorsOfBytes(tiny)));
  });

  it('include the nodes of subgraphs and their domains', () => {
    const ops = operatorsOfBytes(nestedIfModel(3, { ...leaf, domain: 'com.example' }));
    expect(names(ops)).toEqual(['If', 'com.example.QLinearMatMul']);
  });

  it('include the nodes of a graph field that appears twice (a parser merges them)', () => {
    const extraGraph = encodeModel({
      irVersion: 8,
      opsetImport: [],
      producerName: '',
      producerVersion: '',
      graph: { name: 'g2', node: [leaf], initializer: [], input: [], output: [] },
    });
    // Two encoded models one after the other are one model to a protobuf parser.
    const merged = new Uint8Array([...poolModel(), ...extraGraph]);
    expect(names(operatorsOfBytes(merged))).toEqual(['Flatten', 'GlobalAveragePool', 'QLinearMatMul']);
  });

  it('cannot be read from bytes that are not an ONNX protobuf, and say so', () => {
    const tiny = buildTiny().bytes;
    const unreadable: Array<[string, Uint8Array]> = [
      ['empty', new Uint8Array(0)],
      ['cut short', tiny.subarray(0, Math.floor(tiny.length / 2))],
      ['a bad wire type', Uint8Array.of(0x3b, 0, 0, 0)],
      ['an ONNX Runtime format model', new TextEncoder().encode('\u0010\u0000\u0000\u0000ORTM and more')],
      ['JSON', new TextEncoder().encode('{"graph": {"node": []}}')],
      ['subgraphs nested too deep', nestedIfModel(MAX_GRAPH_DEPTH + 2, leaf)],
    ];
    for (const [what, bytes] of unreadable) {
      expect(() => operatorsOfBytes(bytes), what).toThrow(GraphFormatError);
    }
    expect(names(operatorsOfBytes(nestedIfModel(MAX_GRAPH_DEPTH, leaf)))).toEqual(['If', 'QLinearMatMul']);
  });

  it('cannot be read from an ONNX Runtime format file', async () => {
    const file = path.join(dir, 'model.ort');
    await fs.writeFile(file, poolModel());
    expect(() => readModelOperators(file)).toThrow(GraphFormatError);
  });

  it('from damaged bytes are either read or refused with GraphFormatError, never anything else', () => {
    const original = saturatingInt8Model();
    const random = new Random(7);
    const outcomes = { read: 0, refused: 0 };
    const attempt = (bytes: Uint8Array): void => {
      try {
        operatorsOfBytes(bytes);
        outcomes.read++;
      } catch (err) {
        expect(err).toBeInstanceOf(GraphFormatError);
        outcomes.refused++;
      }
    };
    for (let cut = 0; cut < original.length; cut++) attempt(original.subarray(0, cut));
    for (let i = 0; i < 500; i++) {
      const damaged = Uint8Array.from(original);
      for (let flips = random.int(1, 4); flips > 0; flips--)
        damaged[random.int(0, damaged.length - 1)] = random.int(0, 255);
      attempt(damaged);
    }
    expect(outcomes.read).toBeGreaterThan(0);
    expect(outcomes.refused).toBeGreaterThan(0);
  });
});
