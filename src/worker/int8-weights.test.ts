import { describe, expect, it } from 'vitest';
import { decodeModel } from '../models/onnx-proto.js';
import { poolModel, saturatingInt8Model } from '../../test/support/worker-models.js';
import { cpuSaturatesU8S8, shiftInt8Weights } from './int8-weights.js';

describe('cpuSaturatesU8S8', () => {
  it('is true for AVX2 without VNNI only', () => {
    expect(cpuSaturatesU8S8('processor : 0\nflags\t\t: fpu sse2 avx avx2 fma\n')).toBe(true);
    expect(cpuSaturatesU8S8('flags : fpu avx2 avx512f avx512_vnni\n')).toBe(false);
    expect(cpuSaturatesU8S8('flags : fpu avx2 avx_vnni\n')).toBe(false);
    expect(cpuSaturatesU8S8('flags : fpu sse2\n')).toBe(false);
    expect(cpuSaturatesU8S8('')).toBe(false);
  });
});

describe('shiftInt8Weights', () => {
  it('moves QLinearConv int8 weights to uint8 (+128) and keeps the rest of the model', () => {
    const original = saturatingInt8Model();
    const shifted = shiftInt8Weights(original);
    expect(shifted).not.toBeNull();
    const before = decodeModel(original);
    const after = decodeModel(shifted as Uint8Array);
    expect(after.opsetImport).toEqual(before.opsetImport);
    expect(after.producerName).toBe(before.producerName);
    expect(after.graph.input).toEqual(before.graph.input);
    expect(after.graph.output).toEqual(before.graph.output);
    expect(after.graph.node.map((n) => n.opType)).toEqual(before.graph.node.map((n) => n.opType));
    const conv = after.graph.node.find((n) => n.opType === 'QLinearConv');
    const [w, wZero] = [conv?.input[3], conv?.input[5]];
    expect(w).not.toBe('w');
    const byName = new Map(after.graph.initializer.map((t) => [t.name, t]));
    expect(byName.get(w as string)?.dataType).toBe(2);
    expect(Array.from(byName.get(w as string)?.rawData ?? [])).toEqual(new Array(12).fill(255));
    expect(Array.from(byName.get(wZero as string)?.rawData ?? [])).toEqual([128]);
    expect(byName.get(w as string)?.dims).toEqual([1, 3, 2, 2]);
    // Other inputs of the node are untouched.
    expect(conv?.input.filter((_, i) => i !== 3 && i !== 5)).toEqual([
      'xq',
      'x_scale',
      'x_zero',
      'w_scale',
      'y_scale',
      'y_zero',
    ]);
  });

  it('returns null for a model without int8 weights', () => {
    expect(shiftInt8Weights(poolModel())).toBeNull();
  });
});
