/**
 * Per-channel activation statistics, estimated analytically while a graph is built. They stand in
 * for batch-norm running statistics: every convolution is normalised with them (batch norm folded
 * into the convolution), which keeps activations finite and centred through any depth without
 * running the network. Pre-activations are treated as Gaussian, channels as independent.
 */

/** Estimated mean and variance of each channel of a feature map, over positions and images. */
export interface ChannelMoments {
  mean: Float64Array;
  variance: Float64Array;
}

/** Moments of `channels` channels with the same mean and variance. */
export function uniformMoments(channels: number, mean: number, variance: number): ChannelMoments {
  return { mean: new Float64Array(channels).fill(mean), variance: new Float64Array(channels).fill(variance) };
}

/** Moments of `max(0, x)` for Gaussian `x` with the given moments. */
export function reluMoments(input: ChannelMoments): ChannelMoments {
  const n = input.mean.length;
  const out = { mean: new Float64Array(n), variance: new Float64Array(n) };
  for (let c = 0; c < n; c++) {
    const mu = input.mean[c] as number;
    const sigma = Math.sqrt(Math.max(input.variance[c] as number, 1e-12));
    const alpha = mu / sigma;
    const cdf = normalCdf(alpha);
    const pdf = Math.exp(-0.5 * alpha * alpha) / Math.sqrt(2 * Math.PI);
    const mean = mu * cdf + sigma * pdf;
    const second = (mu * mu + sigma * sigma) * cdf + mu * sigma * pdf;
    out.mean[c] = mean;
    out.variance[c] = Math.max(second - mean * mean, 1e-12);
  }
  return out;
}

/** Moments of the sum of two feature maps, assumed independent. */
export function sumMoments(a: ChannelMoments, b: ChannelMoments): ChannelMoments {
  const n = a.mean.length;
  const out = { mean: new Float64Array(n), variance: new Float64Array(n) };
  for (let c = 0; c < n; c++) {
    out.mean[c] = (a.mean[c] as number) + (b.mean[c] as number);
    out.variance[c] = (a.variance[c] as number) + (b.variance[c] as number);
  }
  return out;
}

/**
 * Moments after a 3 x 3 max pool over rectified, spatially correlated values. An empirical
 * rule (measured on natural images after a ReLU): the maximum sits about a quarter of a standard
 * deviation above the mean and, as it removes most zeros, varies about 30 % more. The next
 * normalised convolution absorbs what error is left.
 */
export function maxPoolMoments(input: ChannelMoments): ChannelMoments {
  const n = input.mean.length;
  const out = { mean: new Float64Array(n), variance: new Float64Array(n) };
  for (let c = 0; c < n; c++) {
    const variance = input.variance[c] as number;
    out.mean[c] = (input.mean[c] as number) + 0.25 * Math.sqrt(variance);
    out.variance[c] = 1.3 * variance;
  }
  return out;
}

/** Standard normal cumulative distribution (Abramowitz–Stegun 7.1.26, error below 1.5e-7). */
export function normalCdf(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * z);
  const poly =
    t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - poly * Math.exp(-z * z);
  return x >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}
