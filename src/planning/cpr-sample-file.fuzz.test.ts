/**
 * Fuzzing of the CPR sample file reader (`cpr fit`): mutants of both layouts (JSON lines of our
 * samples, the reference's JSON array of jobs) and random bytes. It returns samples the model
 * can be fitted on, or a `SpecError`.
 */
import { describe, expect, it } from 'vitest';
import { fuzz, mutants, outcome } from '../../test/support/fuzz.js';
import { SpecError } from '../errors.js';
import { parseSampleFile } from './cpr-sample-file.js';

const sample = {
  images: 100,
  workers: 2,
  computeSeconds: 3.5,
  initSeconds: 1.2,
  latencySeconds: 5,
  memoryMb: 2048,
};
const job = {
  num_images: 100,
  num_task_managers: 2,
  duration_function: 3.5,
  duration_init: 1.2,
  latency: 5,
  cost: 0.01,
};
const samples = [
  Buffer.from(
    `${JSON.stringify(sample)}\n${JSON.stringify({ ...sample, costUsd: 0.02, precision: 'int8' })}\n`,
  ),
  Buffer.from(JSON.stringify([job, { ...job, num_images: 7, extra: 'kept' }], null, 1)),
];

describe('parseSampleFile on mutated and random text', () => {
  it('returns samples with positive sizes and times, or refuses with SpecError', async () => {
    const seen = { read: 0, refused: 0 };
    await fuzz(mutants(samples, 1, 2000), (bytes) => {
      const text = Buffer.from(bytes).toString('utf8');
      const parsed = outcome(
        () => parseSampleFile(text, { source: 'samples.jsonl', memoryMb: 1024 }),
        [SpecError],
      );
      if ('error' in parsed) {
        expect(parsed.error.message).toMatch(/^samples\.jsonl: /);
        seen.refused++;
        return;
      }
      seen.read++;
      for (const s of parsed.value.samples) {
        expect(Number.isSafeInteger(s.images) && s.images >= 1).toBe(true);
        expect(Number.isSafeInteger(s.workers) && s.workers >= 1).toBe(true);
        for (const v of [s.computeSeconds, s.initSeconds, s.latencySeconds, s.memoryMb])
          expect(Number.isFinite(v) && v > 0).toBe(true);
      }
    });
    expect(seen.read).toBeGreaterThan(30);
    expect(seen.refused).toBeGreaterThan(500);
  });
});
