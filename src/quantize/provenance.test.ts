import { describe, expect, it } from 'vitest';
import { OBIFAAS_VERSION } from '../util/version.js';
import {
  calibrationDigest,
  quantizationMetadata,
  type QuantizationProvenance,
  sha256Hex,
} from './provenance.js';

const digests = ['a', 'b', 'c'].map((s) => sha256Hex(new TextEncoder().encode(s)));

const provenance: QuantizationProvenance = {
  modelSha256: sha256Hex(Uint8Array.of(1, 2, 3)),
  perChannel: true,
  method: 'entropy',
  percentile: 99.999,
  seed: 1,
  calibrationImageDigests: digests,
  excluded: new Set(['conv3', 'conv1']),
};

describe('quantization provenance', () => {
  it('records the digests, the settings and the version: no path, no time', () => {
    expect(JSON.parse(quantizationMetadata(provenance))).toEqual({
      format: 'QDQ',
      weights: 'int8 symmetric per channel',
      activations: 'uint8 asymmetric',
      method: 'entropy',
      calibrationImages: 3,
      calibrationSha256: calibrationDigest(digests),
      seed: 1,
      excluded: ['conv1', 'conv3'],
      sourceModelSha256: '039058c6f2c0cb492c533b0a4d14ef77cc0f78abccced5287d84a1a2011cfb81',
      tool: 'obifaas model quantize',
      version: OBIFAAS_VERSION,
    });
  });

  it('is the same string for the same exclusions in another order', () => {
    const reordered = { ...provenance, excluded: new Set(['conv1', 'conv3']) };
    expect(quantizationMetadata(reordered)).toBe(quantizationMetadata(provenance));
  });

  it('names the percentile only for --method percentile', () => {
    expect(JSON.parse(quantizationMetadata({ ...provenance, method: 'percentile' }))).toMatchObject({
      percentile: 99.999,
    });
    expect(quantizationMetadata({ ...provenance, method: 'minmax' })).not.toContain('percentile');
  });

  it('digests the calibration sample in its order', () => {
    expect(calibrationDigest(digests)).toMatch(/^[0-9a-f]{64}$/);
    expect(calibrationDigest([...digests])).toBe(calibrationDigest(digests));
    expect(calibrationDigest([...digests].reverse())).not.toBe(calibrationDigest(digests));
    expect(calibrationDigest(digests.slice(0, 2))).not.toBe(calibrationDigest(digests));
  });
});
