import os from 'node:os';
import { describe, expect, it, vi } from 'vitest';
import { Random } from '../core/random.js';
import { editGraph, initializerFloats, readGraph } from '../models/onnx-graph.js';
import { buildTiny } from '../models/tiny.js';
import { activationParamsOf, calibrate } from './calibrate.js';
import { prepareGraph } from './prepare.js';
import { dequantizeWeights } from './quant-math.js';
import { rewriteToQdq } from './rewrite.js';
import { forEachBatch, optimizedOperators } from './runner.js';

/** Images with ImageNet-normalised statistics (values around [-2, 2.5]). */
function images(count: number, seed: number): Float32Array[] {
  const rng = new Random(seed);
  return Array.from({ length: count }, () =>
    Float32Array.from({ length: 3 * 224 * 224 }, () => Math.max(-2.1, Math.min(2.6, rng.normal(0, 1)))),
  );
}

let tiny: ReturnType<typeof quantizeTiny> | undefined;
const quantizedTiny = (): ReturnType<typeof quantizeTiny> => (tiny ??= quantizeTiny());

async function quantizeTiny(): Promise<{
  prepared: Awaited<ReturnType<typeof prepareGraph>>;
  qdq: ReturnType<typeof rewriteToQdq>;
  params: ReturnType<typeof activationParamsOf>;
  sample: Float32Array[];
}> {
  const graph = readGraph(buildTiny({ seed: 3 }).bytes);
  const prepared = await prepareGraph('tiny', graph, { perChannel: true, exclude: new Set() });
  const sample = images(4, 11);
  const calibrated = await calibrate(graph, prepared.plan, prepared.input, sample, prepared.info, 'minmax');
  const params = activationParamsOf(prepared.plan, calibrated);
  const qdq = rewriteToQdq(graph, prepared.plan, params, [{ key: 'obifaas.quantization', value: '{}' }]);
  return { prepared, qdq, params, sample };
}

describe('quantizing a small graph built with our own tooling', () => {
  it('plans every layer: convolutions with their ReLU folded, pooling, flatten and the classifier', async () => {
    const { prepared } = await quantizedTiny();
    const byName = new Map(prepared.plan.nodes.map((n) => [n.name, n]));
    for (const name of ['conv1', 'conv2', 'conv3', 'avgpool', 'flatten', 'logits']) {
      expect(byName.get(name)?.quantized, name).toBe(true);
    }
    expect(byName.get('relu1')?.note).toBe('folded into conv1');
    const tensors = prepared.plan.activations.map((a) => a.tensor);
    // The ReLU outputs are quantized, not the convolutions' raw outputs; the logits stay float32.
    expect(tensors).toEqual(
      expect.arrayContaining(['input', 'relu1', 'relu2', 'relu3', 'avgpool', 'flatten']),
    );
    expect(tensors).not.toContain('conv1');
    expect(tensors).not.toContain('logits');
    expect(prepared.plan.activations.find((a) => a.tensor === 'flatten')?.source).toEqual({
      kind: 'shared',
      with: 'avgpool',
    });
  });

  it('keeps int8 weights within half a step of the float32 ones, per output channel', async () => {
    const { prepared, qdq } = await quantizedTiny();
    for (const w of prepared.plan.weights) {
      const init = prepared.graph.initializers.get(w.tensor);
      const q = qdq.weights.get(w.tensor);
      if (!init || !q) throw new Error(`no weights for ${w.tensor}`);
      expect(q.scales.length, w.tensor).toBe(w.axis === null ? 1 : init.dims[w.axis]);
      const original = initializerFloats(init);
      const back = dequantizeWeights(q, init.dims);
      const inner = original.length / q.scales.length;
      let worst = 0;
      for (let i = 0; i < original.length; i++) {
        const step = q.scales[
          w.axis === 0 ? Math.floor(i / inner) : w.axis === 1 ? i % q.scales.length : 0
        ] as number;
        worst = Math.max(worst, Math.abs((original[i] as number) - (back[i] as number)) / step);
      }
      expect(worst, w.tensor).toBeLessThanOrEqual(0.5 + 1e-4);
    }
  });

  it('quantize -> dequantize in ONNX Runtime keeps activations within half a step', async () => {
    const { prepared, qdq, params, sample } = await quantizedTiny();
    const pairs = [...qdq.dequantized].filter(([t]) => t !== 'input');
    const exposed = editGraph(readGraph(qdq.bytes), {
      addOutputs: pairs.flatMap(([t, dq]) => [{ name: t }, { name: dq }]) as never,
    });
    const fetch = pairs.flatMap(([t, dq]) => [t, dq]);
    let checked = 0;
    let outside = 0;
    let worst = 0;
    await forEachBatch(exposed, 'disabled', prepared.input, sample, fetch, 2, (outputs) => {
      for (const [t, dq] of pairs) {
        const x = outputs.get(t) as Float32Array;
        const y = outputs.get(dq) as Float32Array;
        const p = params.get(t);
        if (!p) throw new Error(`no parameters for ${t}`);
        const lo = -p.zeroPoint * p.scale;
        const hi = (255 - p.zeroPoint) * p.scale;
        for (let i = 0; i < x.length; i++) {
          const v = x[i] as number;
          if (v < lo || v > hi) {
            outside++;
            continue;
          }
          checked++;
          worst = Math.max(worst, (Math.abs(v - (y[i] as number)) - 1e-6 * Math.abs(v)) / p.scale);
        }
      }
    });
    expect(checked).toBeGreaterThan(100_000);
    expect(worst).toBeLessThanOrEqual(0.5);
    // Calibrated on the same images: only values that the int8 layers before moved past the
    // range's ends fall outside it.
    expect(outside / (checked + outside)).toBeLessThan(0.001);
  });

  it('loads in ONNX Runtime, which fuses it into int8 kernels (read from its optimized graph)', async () => {
    const { qdq } = await quantizedTiny();
    const ops = await optimizedOperators(qdq.bytes);
    const count = (op: string): number => (ops[op] ?? 0) + (ops[`com.microsoft:${op}`] ?? 0);
    expect(count('QLinearConv')).toBe(3);
    expect(count('QGemm')).toBe(1);
    expect(count('QLinearGlobalAveragePool')).toBe(1);
    expect(count('Conv') + count('Gemm') + count('FusedConv')).toBe(0);
  });

  it('writes the metadata and keeps the graph readable', async () => {
    const { qdq } = await quantizedTiny();
    const back = readGraph(qdq.bytes);
    expect(back.metadata).toEqual(
      expect.arrayContaining([
        { key: 'obifaas.model', value: 'tiny' },
        { key: 'obifaas.quantization', value: '{}' },
      ]),
    );
    expect(back.nodes.filter((n) => n.opType === 'DequantizeLinear').length).toBeGreaterThan(5);
  });

  it("calibrates to the same ranges whatever ONNX Runtime's thread count", async () => {
    // Its intra-op threads follow the CPUs this process may use: each output value is summed by
    // one thread in a fixed order, so no range depends on how many there are.
    const { prepared, sample } = await quantizedTiny();
    const rangesWith = async (threads: number): Promise<unknown> => {
      const spy = vi.spyOn(os, 'availableParallelism').mockReturnValue(threads);
      try {
        const { graph, plan, input, info } = prepared;
        const calibrated = await calibrate(graph, plan, input, sample, info, 'entropy');
        expect(spy).toHaveBeenCalled();
        return calibrated;
      } finally {
        spy.mockRestore();
      }
    };
    const one = await rangesWith(1);
    expect(await rangesWith(5)).toEqual(one);
  });
});
