import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { Random } from '../core/random.js';
import { decodeModel } from './onnx-proto.js';
import { buildTiny } from './tiny.js';

const PIXELS = 3 * 224 * 224;

/** An image-like input: smooth colour gradients and stripes plus noise, ImageNet-normalised scale. */
function syntheticImage(seed: number): Float32Array {
  const r = new Random(seed);
  const out = new Float32Array(PIXELS);
  const offset = [r.uniform(-1, 1), r.uniform(-1, 1), r.uniform(-1, 1)];
  const fx = r.uniform(0.01, 0.3);
  const fy = r.uniform(0.01, 0.3);
  const noise = r.uniform(0.05, 0.8);
  for (let c = 0; c < 3; c++) {
    for (let y = 0; y < 224; y++) {
      for (let x = 0; x < 224; x++) {
        out[c * 50176 + y * 224 + x] =
          offset[c]! + Math.sin(fx * x + c) * Math.cos(fy * y) + noise * r.normal();
      }
    }
  }
  return out;
}

function argmaxRows(logits: Float32Array, rows: number): number[] {
  const result: number[] = [];
  for (let i = 0; i < rows; i++) {
    const row = logits.subarray(i * 1000, (i + 1) * 1000);
    result.push(row.indexOf(Math.max(...row)));
  }
  return result;
}

describe('buildTiny', () => {
  const model = buildTiny({ seed: 0 });
  let session: ort.InferenceSession;

  beforeAll(async () => {
    session = await ort.InferenceSession.create(model.bytes, { intraOpNumThreads: 1 });
  });

  async function run(images: Float32Array[]): Promise<ort.Tensor> {
    const batch = new Float32Array(images.length * PIXELS);
    images.forEach((image, i) => batch.set(image, i * PIXELS));
    const out = await session.run({ input: new ort.Tensor('float32', batch, [images.length, 3, 224, 224]) });
    return out.logits!;
  }

  it('declares input [batch,3,224,224] and output logits [batch,1000]', () => {
    expect(session.inputNames).toEqual(['input']);
    expect(session.outputNames).toEqual(['logits']);
    const graph = decodeModel(model.bytes).graph;
    expect(graph.input[0]?.type.tensorType.shape.dim).toEqual([
      { dimParam: 'batch' },
      { dimValue: 3 },
      { dimValue: 224 },
      { dimValue: 224 },
    ]);
    expect(graph.output[0]?.type.tensorType.shape.dim).toEqual([{ dimParam: 'batch' }, { dimValue: 1000 }]);
    expect(model.parameterCount).toBeLessThan(500_000);
  });

  it('runs with batch 1 and batch 3, giving finite logits that agree across batch sizes', async () => {
    const images = [syntheticImage(1), syntheticImage(2), syntheticImage(3)];
    const one = await run([images[1]!]);
    const three = await run(images);
    expect(one.dims).toEqual([1, 1000]);
    expect(three.dims).toEqual([3, 1000]);
    const all = three.data as Float32Array;
    expect(all.every(Number.isFinite)).toBe(true);
    const middle = all.subarray(1000, 2000);
    const single = one.data as Float32Array;
    for (let k = 0; k < 1000; k++) expect(middle[k]).toBeCloseTo(single[k]!, 4);
  });

  it('predicts different classes for different images', async () => {
    const images = Array.from({ length: 8 }, (_, i) => syntheticImage(100 + i));
    const classes = argmaxRows((await run(images)).data as Float32Array, images.length);
    expect(new Set(classes).size).toBeGreaterThanOrEqual(4);
  });

  it('is deterministic in the seed', () => {
    expect(Buffer.from(buildTiny({ seed: 0 }).bytes).equals(Buffer.from(model.bytes))).toBe(true);
    expect(Buffer.from(buildTiny({ seed: 1 }).bytes).equals(Buffer.from(model.bytes))).toBe(false);
    expect(buildTiny().bytes.length).toBe(model.bytes.length);
  });

  it('rejects a seed that is not an integer in [0, 2^32)', () => {
    expect(() => buildTiny({ seed: -1 })).toThrow(RangeError);
    expect(() => buildTiny({ seed: 1.5 })).toThrow(/seed/);
    expect(() => buildTiny({ seed: 2 ** 32 })).toThrow(/seed/);
  });
});
