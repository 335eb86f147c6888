/**
 * Fuzzing of what the dispatcher reads from a worker: mutants of encoded pulls (predictions,
 * an error, a vector) and heartbeats, and random bytes. Decoding never throws, and a message
 * is a heartbeat, a pull of results a function could have produced, or malformed.
 */
import { describe, expect, it } from 'vitest';
import { fuzz, mutants } from '../../test/support/fuzz.js';
import {
  dispatcherService,
  MAX_SPLITS_PER_PULL,
  parseWorkerMessage,
  type WireWorkerMessage,
} from './wire.js';

const work = dispatcherService().service.Work;
if (!work) throw new Error('no Work method');
const pull = {
  pull: {
    requestId: 7,
    maxSplits: 4,
    finished: [
      {
        splitId: 's1',
        attempt: 1,
        results: [
          {
            key: 'a.jpg',
            predictions: {
              top: [
                { classIndex: 3, label: 'cat', score: 0.9 },
                { classIndex: 1, label: '', score: 0.1 },
              ],
            },
          },
          { key: 'b.jpg', error: 'cannot decode' },
          { key: 'c.jpg', vector: Buffer.from(Float32Array.of(1, 2).buffer) },
        ],
      },
    ],
  },
};
const samples = [work.requestSerialize(pull), work.requestSerialize({ heartbeat: {} })] as Buffer[];

describe('worker messages on mutated and random bytes', () => {
  it('decode without throwing into a heartbeat, a pull of bounded results, or malformed', async () => {
    const seen = { heartbeat: 0, pull: 0, malformed: 0 };
    await fuzz(mutants(samples, 1, 3000), (bytes) => {
      const request = parseWorkerMessage(work.requestDeserialize(Buffer.from(bytes)) as WireWorkerMessage);
      seen[request.type]++;
      if (request.type !== 'pull') return;
      expect(request.maxSplits).toBeGreaterThanOrEqual(1);
      expect(request.maxSplits).toBeLessThanOrEqual(MAX_SPLITS_PER_PULL);
      for (const split of request.finished) {
        expect(Number.isSafeInteger(split.attempt) && split.attempt >= 0).toBe(true);
        for (const r of split.results) {
          expect(typeof r.key).toBe('string');
          expect([r.top !== null, r.error !== null, r.vector !== undefined].filter(Boolean)).toHaveLength(1);
          for (const c of r.top ?? [])
            expect(Number.isFinite(c.score) && Number.isSafeInteger(c.class)).toBe(true);
        }
      }
    });
    expect(seen.pull).toBeGreaterThan(30);
    expect(seen.heartbeat).toBeGreaterThan(30);
    expect(seen.malformed).toBeGreaterThan(1000);
  });
});
