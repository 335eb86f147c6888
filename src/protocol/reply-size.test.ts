import { describe, expect, it } from 'vitest';
import type { SplitResult } from './invocation.js';
import {
  embedReplyBytes,
  fitSplitsInReply,
  REPLY_OVERHEAD_BYTES,
  resultJsonBytes,
  resultWireBytes,
} from './reply-size.js';
import { encodeVector } from './vector-encoding.js';

const split = (id: string, n: number, dims: number): SplitResult => ({
  splitId: id,
  startedAt: 0,
  endedAt: 1,
  results: Array.from({ length: n }, (_, i) => ({
    key: `${id}/${i}.jpg`,
    top: null,
    error: null,
    vector: encodeVector(new Float32Array(dims).fill(i)),
  })),
});

describe('reply size', () => {
  it('estimates at least what the results take', () => {
    const s = split('a', 10, 1280);
    const json = s.results.reduce((a, r) => a + resultJsonBytes(r), 0);
    expect(embedReplyBytes(10, 1280, 7, 'json')).toBeGreaterThanOrEqual(json);
    expect(embedReplyBytes(10, 1280, 7, 'json')).toBeLessThan(json * 1.1);
    const wire = s.results.reduce((a, r) => a + resultWireBytes(r), 0);
    expect(wire).toBeGreaterThanOrEqual(10 * 1280 * 4);
    expect(embedReplyBytes(10, 1280, 7, 'protobuf')).toBeGreaterThanOrEqual(wire);
  });

  it('turns the vectors of splits past the budget into errors, every input kept', () => {
    const splits = [split('a', 4, 256), split('b', 4, 256), split('c', 4, 256)];
    const one = splits[0]!.results.reduce((a, r) => a + resultJsonBytes(r), 0);
    const fitted = fitSplitsInReply(
      splits,
      REPLY_OVERHEAD_BYTES + one * 2 + 10,
      resultJsonBytes,
      'a test limit',
    );
    expect(fitted.slice(0, 2)).toEqual(splits.slice(0, 2));
    expect(fitted[2]?.results.map((r) => r.key)).toEqual(splits[2]?.results.map((r) => r.key));
    for (const r of fitted[2]?.results ?? []) {
      expect(r.vector).toBeUndefined();
      expect(r.error).toMatch(
        /^the vectors of split c \(4 inputs, 0\.0 MB\) do not fit in a test limit; use fewer inputs/,
      );
    }
    expect(fitSplitsInReply(splits, 1e9, resultJsonBytes, 'x')).toEqual(splits);
  });
});
