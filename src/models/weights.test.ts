import { describe, expect, it } from 'vitest';
import { Random } from '../core/random.js';
import { type ChannelMoments, normalCdf, reluMoments } from './moments.js';
import { drawConvWeights, drawGemmWeights } from './weights.js';

function sampleStats(values: number[]): { mean: number; variance: number } {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return { mean, variance: values.reduce((a, v) => a + (v - mean) ** 2, 0) / values.length };
}

describe('folded synthetic weights', () => {
  const inputs: ChannelMoments = {
    mean: Float64Array.from([0.5, -1, 2, 0.1, 3, 0]),
    variance: Float64Array.from([1, 4, 0.25, 2, 1, 9]),
  };

  it('give each output the target mean and deviation for inputs with the estimated moments', () => {
    const { weight, bias } = drawConvWeights(new Random(1), 3, inputs, 1, {
      gain: 2,
      shift: 0.5,
      centred: false,
    });
    const rng = new Random(2);
    const outputs: number[][] = [[], [], []];
    for (let s = 0; s < 20_000; s++) {
      const x = Array.from(inputs.mean, (m, c) => rng.normal(m, Math.sqrt(inputs.variance[c]!)));
      for (let o = 0; o < 3; o++) {
        let y = bias[o]!;
        for (let c = 0; c < 6; c++) y += weight[o * 6 + c]! * x[c]!;
        outputs[o]!.push(y);
      }
    }
    for (const values of outputs) {
      const { mean, variance } = sampleStats(values);
      expect(mean).toBeCloseTo(0.5, 1);
      expect(Math.sqrt(variance)).toBeCloseTo(2, 1);
    }
  });

  it('centred filters sum to zero over the input channels at every tap', () => {
    const taps = 9;
    const { weight } = drawConvWeights(new Random(3), 4, inputs, taps, { gain: 1, shift: 0, centred: true });
    for (let o = 0; o < 4; o++) {
      for (let j = 0; j < taps; j++) {
        let sum = 0;
        let size = 0;
        for (let c = 0; c < 6; c++) {
          const w = weight[o * 6 * taps + c * taps + j]!;
          sum += w;
          size += Math.abs(w);
        }
        expect(Math.abs(sum)).toBeLessThan(1e-5 * size);
      }
    }
  });

  it('a gemm cancels the mean input: the average input gives zero outputs', () => {
    const { weight, bias } = drawGemmWeights(new Random(4), 5, inputs, 3);
    for (let o = 0; o < 5; o++) {
      let y = bias[o]!;
      for (let c = 0; c < 6; c++) y += weight[o * 6 + c]! * inputs.mean[c]!;
      expect(Math.abs(y)).toBeLessThan(1e-5);
    }
  });
});

describe('moment estimates', () => {
  it('normalCdf matches known values', () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 7);
    expect(normalCdf(1.959964)).toBeCloseTo(0.975, 6);
    expect(normalCdf(-1)).toBeCloseTo(0.158655, 6);
  });

  it('reluMoments matches sampling', () => {
    const rng = new Random(5);
    for (const [mu, sigma] of [
      [0, 1],
      [1, 2],
      [-1, 0.5],
    ] as const) {
      const values = Array.from({ length: 50_000 }, () => Math.max(0, rng.normal(mu, sigma)));
      const sampled = sampleStats(values);
      const estimated = reluMoments({ mean: Float64Array.of(mu), variance: Float64Array.of(sigma * sigma) });
      expect(estimated.mean[0]).toBeCloseTo(sampled.mean, 1);
      expect(Math.sqrt(estimated.variance[0]!)).toBeCloseTo(Math.sqrt(sampled.variance), 1);
    }
  });
});
