/**
 * Fuzzing of an embedding's vector text (base64 of float32 values, read from function replies
 * and from a job's staged vectors): every text `isVectorText` accepts decodes to a non-empty
 * whole number of values, which encode back to the same bytes.
 */
import { describe, expect, it } from 'vitest';
import { fuzz, mutants } from '../../test/support/fuzz.js';
import { decodeVector, encodeVector, FLOAT32_BYTES, isVectorText } from './vector-encoding.js';

const samples = [
  Buffer.from(encodeVector(Float32Array.of(1, 2, -0.5, Number.NaN))),
  Buffer.from(encodeVector(Float32Array.of(3.5))),
  Buffer.from(encodeVector(Float32Array.of(1, 2, 3))),
];

describe('vector text on mutated and random text', () => {
  it('accepts only base64 of a whole number of float32 values', async () => {
    let accepted = 0;
    await fuzz(mutants(samples, 1, 4000), (bytes) => {
      const text = Buffer.from(bytes).toString('latin1');
      if (!isVectorText(text)) return;
      accepted++;
      const bytesOfText = Buffer.from(text, 'base64');
      const values = decodeVector(text);
      expect(values.length).toBeGreaterThan(0);
      expect(values.length * FLOAT32_BYTES).toBe(bytesOfText.length);
      expect(Buffer.from(encodeVector(values), 'base64')).toEqual(bytesOfText);
    });
    expect(accepted).toBeGreaterThan(75);
  });
});
