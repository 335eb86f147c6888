/**
 * Synthetic weights with batch norm folded in. Raw weights are uniform in [-1, 1); each output
 * is then scaled and shifted so that, given the estimated moments of its inputs, it gets the
 * requested mean and standard deviation, as a batch norm with those statistics would make it.
 */
import type { Random } from '../core/random.js';
import type { ChannelMoments } from './moments.js';

/** Folded weights of one layer: `weight` in ONNX layout (output-major) and one bias per output. */
export interface FoldedWeights {
  weight: Float32Array;
  bias: Float32Array;
}

/** The target statistics of every output and whether filters ignore the inputs' common component. */
export interface FoldTarget {
  /** Standard deviation of each output (the folded batch norm's gamma). */
  gain: number;
  /** Mean of each output (the folded batch norm's beta). */
  shift: number;
  /** Subtract, at every kernel tap, the mean weight over the input channels (see ConvSpec.centred). */
  centred: boolean;
}

/**
 * Weights of a convolution `[outChannels, inputs.length, taps]` (`taps` = kernel height x width),
 * folded so that each output channel gets the target moments.
 */
export function drawConvWeights(
  rng: Random,
  outChannels: number,
  inputs: ChannelMoments,
  taps: number,
  target: FoldTarget,
): FoldedWeights {
  const inChannels = inputs.mean.length;
  const fanIn = inChannels * taps;
  const weight = new Float32Array(outChannels * fanIn);
  const bias = new Float32Array(outChannels);
  const tapMean = new Float64Array(taps);
  for (let o = 0; o < outChannels; o++) {
    const base = o * fanIn;
    tapMean.fill(0);
    for (let c = 0; c < inChannels; c++) {
      for (let j = 0; j < taps; j++) {
        const w = 2 * rng.next() - 1;
        weight[base + c * taps + j] = w;
        tapMean[j] = (tapMean[j] as number) + w / inChannels;
      }
    }
    if (!target.centred) tapMean.fill(0);
    let mean = 0;
    let variance = 0;
    for (let c = 0; c < inChannels; c++) {
      const inMean = inputs.mean[c] as number;
      const inVariance = inputs.variance[c] as number;
      for (let j = 0; j < taps; j++) {
        const i = base + c * taps + j;
        const w = (weight[i] as number) - (tapMean[j] as number);
        weight[i] = w;
        mean += w * inMean;
        variance += w * w * inVariance;
      }
    }
    const scale = target.gain / Math.sqrt(variance + 1e-12);
    for (let i = base; i < base + fanIn; i++) weight[i] = (weight[i] as number) * scale;
    bias[o] = target.shift - mean * scale;
  }
  return { weight, bias };
}

/**
 * Weights of a fully connected layer `[outFeatures, inputs.length]`: rows sum to zero and the
 * bias cancels the estimated mean input, so outputs have mean 0 and standard deviation `gain`
 * and depend on how an input differs from the average input, not on the average.
 */
export function drawGemmWeights(
  rng: Random,
  outFeatures: number,
  inputs: ChannelMoments,
  gain: number,
): FoldedWeights {
  return drawConvWeights(rng, outFeatures, inputs, 1, { gain, shift: 0, centred: true });
}
