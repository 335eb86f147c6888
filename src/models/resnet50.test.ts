import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import type { BuiltModel } from './built-model.js';
import { decodeModel, type ModelProto, tensorFloats } from './onnx-proto.js';
import { buildResNet50 } from './resnet50.js';

/** torchvision's resnet50() parameter count; ours folds each batch norm's two vectors into one bias. */
const TORCHVISION_PARAMETERS = 25_557_032;

describe('buildResNet50 (graph only; no inference)', () => {
  let built: BuiltModel;
  let model: ModelProto;

  beforeAll(() => {
    built = buildResNet50({ seed: 0 });
    model = decodeModel(built.bytes);
  }, 180_000);

  it('has the ResNet50 v1.5 layer structure', () => {
    const ops = model.graph.node.map((n) => n.opType);
    const count = (op: string) => ops.filter((o) => o === op).length;
    expect(count('Conv')).toBe(53);
    expect(count('Gemm')).toBe(1);
    expect(count('MaxPool')).toBe(1);
    expect(count('GlobalAveragePool')).toBe(1);
    expect(count('Add')).toBe(16);
    expect(count('Relu')).toBe(49);
    // Stride 2 sits on the 3x3 convolution of each downsampling block (v1.5), not on its first 1x1.
    const strides = (name: string) =>
      model.graph.node.find((n) => n.name === name)?.attribute.find((a) => a.name === 'strides')?.ints;
    expect(strides('layer2.0.conv1')).toEqual([1, 1]);
    expect(strides('layer2.0.conv2')).toEqual([2, 2]);
    expect(strides('layer2.0.downsample')).toEqual([2, 2]);
    expect(strides('conv1')).toEqual([2, 2]);
  });

  it('has about as many parameters and multiply-accumulates as torchvision resnet50', () => {
    const fromFile = model.graph.initializer.reduce((sum, t) => sum + t.dims.reduce((a, b) => a * b, 1), 0);
    expect(fromFile).toBe(built.parameterCount);
    expect(Math.abs(fromFile - TORCHVISION_PARAMETERS) / TORCHVISION_PARAMETERS).toBeLessThan(0.01);
    expect(built.macsPerImage / 1e9).toBeGreaterThan(4.0);
    expect(built.macsPerImage / 1e9).toBeLessThan(4.2);
    const fc = model.graph.initializer.find((t) => t.name === 'logits.weight');
    expect(fc?.dims).toEqual([1000, 2048]);
    expect(fc?.rawData?.length).toBe(1000 * 2048 * 4);
  });

  it('declares input [batch,3,224,224] and output logits [batch,1000]', () => {
    expect(model.irVersion).toBe(8);
    expect(model.opsetImport).toEqual([{ domain: '', version: 13 }]);
    const [input] = model.graph.input;
    const [output] = model.graph.output;
    expect(input?.name).toBe('input');
    expect(input?.type.tensorType.shape.dim).toEqual([
      { dimParam: 'batch' },
      { dimValue: 3 },
      { dimValue: 224 },
      { dimValue: 224 },
    ]);
    expect(output?.name).toBe('logits');
    expect(output?.type.tensorType.shape.dim).toEqual([{ dimParam: 'batch' }, { dimValue: 1000 }]);
  });

  it('has finite weights of sane size', () => {
    for (const name of ['conv1.weight', 'layer4.2.conv3.weight', 'layer4.2.conv3.bias', 'logits.bias']) {
      const values = tensorFloats(model.graph.initializer.find((t) => t.name === name)!);
      expect(values.every((v) => Number.isFinite(v) && Math.abs(v) < 100)).toBe(true);
    }
  });

  it('loads in onnxruntime', async () => {
    const session = await ort.InferenceSession.create(built.bytes);
    try {
      expect(session.inputNames).toEqual(['input']);
      expect(session.outputNames).toEqual(['logits']);
    } finally {
      await session.release();
    }
  }, 60_000);
});
