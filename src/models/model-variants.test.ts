/**
 * The graph editor puts a new front or end on a model (replaced inputs, dropped outputs): each
 * variant of the tiny model (test/support/model-variants.ts), fed its own way, computes what the
 * original computes.
 */
import ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { buildVariant } from '../../test/support/model-variants.js';
import { buildTiny } from './tiny.js';

const tiny = buildTiny().bytes;
const N = 2;
const S = 224;
const pixels = Float32Array.from({ length: N * 3 * S * S }, (_, i) => (i * 7919) % 256);
const mean = [0.485, 0.456, 0.406];
const std = [0.229, 0.224, 0.225];
const at = (n: number, c: number, y: number, x: number): number => ((n * 3 + c) * S + y) * S + x;

/** `f(n, c, y, x)` over the NCHW batch, laid out NCHW or NHWC. */
function tensor(
  f: (n: number, c: number, y: number, x: number) => number,
  layout: 'NCHW' | 'NHWC',
): ort.Tensor {
  const data = new Float32Array(N * 3 * S * S);
  for (let n = 0; n < N; n++)
    for (let c = 0; c < 3; c++)
      for (let y = 0; y < S; y++)
        for (let x = 0; x < S; x++)
          data[layout === 'NCHW' ? at(n, c, y, x) : ((n * S + y) * S + x) * 3 + c] = f(n, c, y, x);
  return new ort.Tensor('float32', data, layout === 'NCHW' ? [N, 3, S, S] : [N, S, S, 3]);
}

const normalised = (n: number, c: number, y: number, x: number): number =>
  ((pixels[at(n, c, y, x)] as number) / 255 - (mean[c] as number)) / (std[c] as number);

async function run(bytes: Uint8Array, input: ort.Tensor): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(bytes, { logSeverityLevel: 3 });
  try {
    const out = await session.run({ [session.inputNames[0] as string]: input });
    return out[session.outputNames[0] as string]?.data as Float32Array;
  } finally {
    await session.release();
  }
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs((a[i] as number) - (b[i] as number)));
  return max;
}

describe('model variants made with the graph editor', () => {
  it('compute what the original computes, each fed its own way', async () => {
    const reference = await run(tiny, tensor(normalised, 'NCHW'));
    const nhwc = await run(buildVariant(tiny, 'nhwc'), tensor(normalised, 'NHWC'));
    expect(maxAbsDiff(nhwc, reference)).toBeLessThan(1e-5);
    const bgr = await run(
      buildVariant(tiny, 'bgr'),
      tensor((n, c, y, x) => normalised(n, 2 - c, y, x), 'NCHW'),
    );
    expect(maxAbsDiff(bgr, reference)).toBeLessThan(1e-5);
    const raw = await run(
      buildVariant(tiny, 'pixels255'),
      tensor((n, c, y, x) => pixels[at(n, c, y, x)] as number, 'NCHW'),
    );
    expect(maxAbsDiff(raw, reference)).toBeLessThan(1e-4);
    const probabilities = await run(buildVariant(tiny, 'softmax'), tensor(normalised, 'NCHW'));
    const row = reference.subarray(0, 1000);
    const top = Math.max(...row);
    const sum = row.reduce((a, v) => a + Math.exp(v - top), 0);
    expect(probabilities[0]).toBeCloseTo(Math.exp((row[0] as number) - top) / sum, 6);
    expect(probabilities.subarray(0, 1000).reduce((a, v) => a + v, 0)).toBeCloseTo(1, 5);
  });

  it('declare their new input and output', async () => {
    const session = await ort.InferenceSession.create(buildVariant(tiny, 'nhwc'), { logSeverityLevel: 3 });
    expect(session.inputNames).toEqual(['input_nhwc']);
    const meta = session.inputMetadata[0] as { shape: ReadonlyArray<number | string> };
    expect(meta.shape).toEqual(['batch', 224, 224, 3]);
    await session.release();
    const soft = await ort.InferenceSession.create(buildVariant(tiny, 'softmax'), { logSeverityLevel: 3 });
    expect(soft.outputNames).toEqual(['probabilities']);
    await soft.release();
  });
});
