import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  poolModel,
  saturatingInt8Model,
  saturatingQdqModel,
  writeModel,
} from '../../test/support/worker-models.js';
import { buildTiny } from '../models/tiny.js';
import { int8ProbeNeed, int8ProbeNeedOf } from './int8-probe-need.js';
import { createModelSession } from './session.js';

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'obifaas-probe-need-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

const op = (opType: string, domain = ''): { opType: string; domain: string } => ({ opType, domain });

describe('whether a model needs the int8 saturation probe', () => {
  it('is no for float operators of the standard domains', () => {
    expect(
      int8ProbeNeedOf([op('Conv'), op('Relu'), op('Gemm'), op('QuickGelu', 'com.microsoft')]).needed,
    ).toBe(false);
    expect(int8ProbeNeedOf([]).needed).toBe(false);
  });

  it('is yes for quantized operators, QDQ pairs and com.microsoft quantized operators', () => {
    for (const ops of [
      [op('QLinearConv')],
      [op('QLinearMatMul')],
      [op('MatMulInteger')],
      [op('ConvInteger')],
      [op('QuantizeLinear'), op('DequantizeLinear'), op('Conv')],
      [op('DynamicQuantizeLinear'), op('MatMul')],
      [op('QAttention', 'com.microsoft')],
      [op('QGemm', 'com.microsoft')],
      [op('DynamicQuantizeMatMul', 'com.microsoft')],
      [op('MatMulIntegerToFloat', 'com.microsoft')],
      [op('DynamicQuantizeLSTM', 'com.microsoft')],
      [op('QLinearAdd', 'com.microsoft')],
      [op('MatMulNBits', 'com.microsoft')],
    ]) {
      expect(int8ProbeNeedOf(ops).needed, ops.map((o) => o.opType).join()).toBe(true);
    }
  });

  it('is yes for operators of another domain (custom operators, local functions)', () => {
    expect(int8ProbeNeedOf([op('Conv'), op('MyConv', 'com.example')])).toEqual({
      needed: true,
      why: 'operator com.example.MyConv of another domain',
    });
  });

  it('is read from a model file: no for float models, yes for int8 models', async () => {
    expect(int8ProbeNeed(await writeModel(dir, 'tiny.onnx', buildTiny().bytes))).toEqual({
      needed: false,
      why: 'no quantized operators',
    });
    expect(int8ProbeNeed(await writeModel(dir, 'q.onnx', saturatingInt8Model())).needed).toBe(true);
    expect(int8ProbeNeed(await writeModel(dir, 'qdq.onnx', saturatingQdqModel())).needed).toBe(true);
  });

  it('is yes for a model whose graph cannot be read at the wire level, or a missing file', async () => {
    const cut = poolModel().subarray(0, 20);
    const need = int8ProbeNeed(await writeModel(dir, 'cut.onnx', cut));
    expect(need.needed).toBe(true);
    expect(need.why).toMatch(/^graph not read \(not a readable ONNX model/);
    expect(int8ProbeNeed(await writeModel(dir, 'text.onnx', 'not a model at all')).needed).toBe(true);
    expect(int8ProbeNeed(path.join(dir, 'missing.onnx')).needed).toBe(true);
  });
});

describe('a model load', () => {
  const settings = { intraOpThreads: 1, interOpThreads: 1 };

  it('skips the probe for a model without quantized operators', async () => {
    const model = await createModelSession(await writeModel(dir, 'tiny.onnx', buildTiny().bytes), settings);
    expect(model.info.int8Probed).toBe(false);
    expect(model.info.int8WeightsShifted).toBe(false);
    await model.session.release();
  });

  it('awaits the probe for int8 models (QLinear and QDQ)', async () => {
    for (const [name, bytes] of [
      ['q.onnx', saturatingInt8Model()],
      ['qdq.onnx', saturatingQdqModel()],
    ] as const) {
      const model = await createModelSession(await writeModel(dir, name, bytes), settings);
      expect(model.info.int8Probed, name).toBe(true);
      await model.session.release();
    }
  });
});
