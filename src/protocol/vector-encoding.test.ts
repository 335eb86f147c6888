import { describe, expect, it } from 'vitest';
import { decodeVector, encodeVector, isVectorText, nonFiniteCount, vectorBytes } from './vector-encoding.js';

describe('vector encoding', () => {
  it('round-trips float32 values exactly, as little-endian bytes in base64', () => {
    const values = Float32Array.of(1, -0.5, 3.4028234663852886e38, 1e-45, -0);
    const text = encodeVector(values);
    expect(isVectorText(text)).toBe(true);
    expect(decodeVector(text)).toEqual(values);
    expect(Array.from(vectorBytes(Float32Array.of(1)))).toEqual([0, 0, 0x80, 0x3f]);
    expect(text.length).toBe(Math.ceil((values.length * 4) / 3) * 4);
  });

  it('encodes a subarray without the rest of its buffer', () => {
    const all = Float32Array.of(1, 2, 3, 4);
    expect(decodeVector(encodeVector(all.subarray(1, 3)))).toEqual(Float32Array.of(2, 3));
  });

  it('knows text that is not whole float32 values', () => {
    expect(isVectorText('')).toBe(false);
    expect(isVectorText('AAAA')).toBe(false); // 3 bytes
    expect(isVectorText('AAAAAA==')).toBe(true); // 4 bytes
    expect(isVectorText('AAAA AA=')).toBe(false);
    expect(isVectorText('AAAAAA=')).toBe(false);
  });

  it('counts non-finite values', () => {
    expect(nonFiniteCount(Float32Array.of(1, NaN, Infinity, 2))).toBe(2);
    expect(nonFiniteCount(Float32Array.of(0))).toBe(0);
  });
});
