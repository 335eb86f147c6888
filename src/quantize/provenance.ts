/**
 * What a quantized model records of how it was made (the `obifaas.quantization` metadata entry):
 * only the content of its inputs (SHA-256 digests), the settings and the tool's version, never a
 * path or a time, so the same model bytes, calibration images, flags and version give the same
 * file wherever they live and whenever it is made. Pure.
 */
import crypto from 'node:crypto';
import { OBIFAAS_VERSION } from '../util/version.js';
import type { CalibrationMethod } from './ranges.js';

/** Metadata key under which the quantization settings are written (JSON). */
export const QUANTIZATION_METADATA_KEY = 'obifaas.quantization';

/** The SHA-256 of `bytes`, in hex. */
export function sha256Hex(bytes: Uint8Array): string {
  return crypto.createHash('sha256').update(bytes).digest('hex');
}

/**
 * One digest for a calibration sample: the SHA-256 of the images' own SHA-256 digests, in the
 * order calibration used them (the order changes the ranges, so it changes the digest).
 */
export function calibrationDigest(imageDigests: readonly string[]): string {
  const hash = crypto.createHash('sha256');
  for (const digest of imageDigests) hash.update(`${digest}\n`);
  return hash.digest('hex');
}

/** How a model was quantized, as its metadata records it. */
export interface QuantizationProvenance {
  /** SHA-256 of the float32 model file. */
  modelSha256: string;
  perChannel: boolean;
  method: CalibrationMethod;
  /** The percentile of `--method percentile`. */
  percentile: number;
  /** The seed of the calibration sample. */
  seed: number;
  /** SHA-256 of each calibration image's bytes, in the order they were used. */
  calibrationImageDigests: readonly string[];
  excluded: ReadonlySet<string>;
}

/** How the weights are quantized, as the metadata and the report name it. */
export const weightFormat = (perChannel: boolean): string =>
  perChannel ? 'int8 symmetric per channel' : 'int8 symmetric per tensor';

/** How the activations are quantized. */
export const ACTIVATION_FORMAT = 'uint8 asymmetric';

/** The JSON written under {@link QUANTIZATION_METADATA_KEY}: a function of its argument only. */
export function quantizationMetadata(p: QuantizationProvenance): string {
  return JSON.stringify({
    format: 'QDQ',
    weights: weightFormat(p.perChannel),
    activations: ACTIVATION_FORMAT,
    method: p.method,
    ...(p.method === 'percentile' ? { percentile: p.percentile } : {}),
    calibrationImages: p.calibrationImageDigests.length,
    calibrationSha256: calibrationDigest(p.calibrationImageDigests),
    seed: p.seed,
    // Sorted: the same exclusions given in another order make the same model.
    excluded: [...p.excluded].sort(),
    sourceModelSha256: p.modelSha256,
    tool: 'obifaas model quantize',
    version: OBIFAAS_VERSION,
  });
}
