/**
 * The arithmetic of linear quantization, as ONNX QuantizeLinear/DequantizeLinear define it:
 * `q = saturate(roundHalfEven(x / scale) + zeroPoint)`, `x' = (q - zeroPoint) * scale`.
 * Scales are float32, as they are stored. Pure.
 */

/** Scale and zero point of a uint8 activation. */
export interface ActivationParams {
  scale: number;
  zeroPoint: number;
}

/** Round half to even, as QuantizeLinear (and C's `rint`) rounds. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Smallest scale we write: a constant tensor gets a usable, positive scale. */
const MIN_SCALE = 1e-8;

/**
 * uint8 parameters for values in `[min, max]`. The range is widened to include 0, so that zero
 * (padding, a ReLU's floor) is exact, and the zero point is rounded as the runtime rounds.
 */
export function activationParams(min: number, max: number): ActivationParams {
  const lo = Math.min(0, min);
  const hi = Math.max(0, max);
  const scale = Math.fround(Math.max((hi - lo) / 255, MIN_SCALE));
  const zeroPoint = Math.min(255, Math.max(0, roundHalfEven(-lo / scale)));
  return { scale, zeroPoint };
}

/**
 * uint8 parameters for a tensor that a Relu or Clip bounds to `[clipMin, clipMax]`: as
 * {@link activationParams}, but the representable range stays inside the bounds, so that the
 * runtime can drop the Relu/Clip as redundant. (ONNX Runtime 1.30 fails to load a model where
 * a folded Clip's lower bound lies inside the quantization range.)
 */
export function clippedActivationParams(
  min: number,
  max: number,
  clip: { min: number; max: number },
): ActivationParams {
  const lo = Math.max(min, clip.min);
  const hi = Math.min(max, clip.max);
  const p = activationParams(lo, Math.max(lo, hi));
  let { scale, zeroPoint } = p;
  if (-zeroPoint * scale < clip.min) zeroPoint = Math.max(0, Math.floor(-Math.min(0, lo) / scale));
  if (zeroPoint < 255 && (255 - zeroPoint) * scale > clip.max && clip.max > 0) {
    scale = Math.fround(clip.max / (255 - zeroPoint));
    if ((255 - zeroPoint) * scale > clip.max) scale = Math.fround(scale * (1 - 2 ** -23));
  }
  return { scale: Math.max(scale, MIN_SCALE), zeroPoint };
}

/** Quantizes and dequantizes one value with uint8 parameters. */
export function fakeQuantU8(x: number, p: ActivationParams): number {
  const q = Math.min(255, Math.max(0, roundHalfEven(x / p.scale) + p.zeroPoint));
  return (q - p.zeroPoint) * p.scale;
}

/** Symmetric int8 weights: values in [-127, 127], zero point 0, one scale per channel. */
export interface QuantizedWeights {
  values: Int8Array;
  /** One scale per channel along `axis`, or a single one. */
  scales: Float32Array;
  axis: number | null;
}

/**
 * Quantizes `weights` (shape `dims`) to symmetric int8: per channel along `axis`, or per tensor
 * when `axis` is null. A channel of zeros gets a tiny positive scale.
 */
export function quantizeWeights(
  weights: Float32Array,
  dims: readonly number[],
  axis: number | null,
): QuantizedWeights {
  const channels = axis === null ? 1 : (dims[axis] as number);
  const inner = axis === null ? weights.length : dims.slice(axis + 1).reduce((a, d) => a * d, 1);
  const channelOf = (i: number): number => (axis === null ? 0 : Math.floor(i / inner) % channels);
  const absMax = new Float64Array(channels);
  for (let i = 0; i < weights.length; i++) {
    const c = channelOf(i);
    absMax[c] = Math.max(absMax[c] as number, Math.abs(weights[i] as number));
  }
  const scales = Float32Array.from(absMax, (m) => Math.max(m / 127, MIN_SCALE));
  const values = new Int8Array(weights.length);
  for (let i = 0; i < weights.length; i++) {
    const q = roundHalfEven((weights[i] as number) / (scales[channelOf(i)] as number));
    values[i] = Math.max(-127, Math.min(127, q));
  }
  return { values, scales, axis };
}

/** The float32 values int8 weights stand for. */
export function dequantizeWeights(q: QuantizedWeights, dims: readonly number[]): Float32Array {
  const channels = q.axis === null ? 1 : (dims[q.axis] as number);
  const inner = q.axis === null ? q.values.length : dims.slice(q.axis + 1).reduce((a, d) => a * d, 1);
  return Float32Array.from(q.values, (v, i) => {
    const c = q.axis === null ? 0 : Math.floor(i / inner) % channels;
    return v * (q.scales[c] as number);
  });
}

/** A bias as int32 at scale `inputScale x weightScale[c]` (per output channel). */
export function quantizeBias(
  bias: Float32Array,
  inputScale: number,
  weightScales: Float32Array,
): { values: Int32Array; scales: Float32Array } {
  const scales = Float32Array.from(bias, (_, c) =>
    Math.fround(inputScale * (weightScales[weightScales.length === 1 ? 0 : c] as number)),
  );
  const values = Int32Array.from(bias, (b, c) => {
    const q = roundHalfEven(b / (scales[c] as number));
    return Math.max(-(2 ** 31), Math.min(2 ** 31 - 1, q));
  });
  return { values, scales };
}

/** Signal-to-quantization-noise ratio in dB from summed squares (Infinity when there is no noise). */
export function sqnrDb(signalSquares: number, noiseSquares: number): number {
  if (noiseSquares === 0) return Infinity;
  if (signalSquares === 0) return -Infinity;
  return 10 * Math.log10(signalSquares / noiseSquares);
}

/** SQNR of weights against their int8 version. */
export function weightSqnrDb(weights: Float32Array, q: QuantizedWeights, dims: readonly number[]): number {
  const back = dequantizeWeights(q, dims);
  let signal = 0;
  let noise = 0;
  for (let i = 0; i < weights.length; i++) {
    const w = weights[i] as number;
    signal += w * w;
    noise += (w - (back[i] as number)) ** 2;
  }
  return sqnrDb(signal, noise);
}
