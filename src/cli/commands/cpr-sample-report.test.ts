import { describe, expect, it } from 'vitest';
import { formatSamplingReport } from './cpr-sample-run.js';

describe('formatSamplingReport', () => {
  it('prints the cost in dollars without an exponent', () => {
    const text = formatSamplingReport({
      dir: 'd',
      samplesFile: 'd/samples.jsonl',
      planFile: 'd/plan.json',
      planned: 8,
      skipped: 0,
      sampled: [],
      failed: [],
      remaining: 8,
      cancelled: false,
      mode: 'static',
      speculation: false,
      memoryMb: 3008,
      maxWorkers: 4,
      elapsedSeconds: 12,
      costUsd: 8.346e-4,
    });
    expect(text).toContain('(12.0 s, $0.000835)');
    expect(text).not.toMatch(/\de-\d/);
  });
});
