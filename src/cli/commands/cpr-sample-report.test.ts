import { describe, expect, it } from 'vitest';
import type { CprSampleRecord } from '../../planning/cpr-sample-record.js';
import { formatSamplingReport } from './cpr-sample-run.js';

type SamplingReport = Parameters<typeof formatSamplingReport>[0];

const report = (sampled: CprSampleRecord[]): SamplingReport => ({
  dir: 'd',
  samplesFile: 'd/samples.jsonl',
  planFile: 'd/plan.json',
  planned: 8,
  skipped: 0,
  sampled,
  failed: [],
  remaining: 8 - sampled.length,
  cancelled: false,
  mode: 'static',
  speculation: false,
  memoryMb: 3008,
  maxWorkers: 4,
  elapsedSeconds: 12,
  costUsd: 8.346e-4,
});

const point = (index: number, images: number, costUsd: number): CprSampleRecord => ({
  index,
  images,
  workers: 2,
  computeSeconds: 10,
  initSeconds: 2,
  latencySeconds: 8,
  costUsd,
  memoryMb: 3008,
  spacing: 'log',
  mode: 'static',
  invocations: 2,
  coldStarts: 2,
  job: `cpr-${index}`,
});

describe('formatSamplingReport', () => {
  it('prints the cost in dollars without an exponent', () => {
    const text = formatSamplingReport(report([]));
    expect(text).toContain('(12.0 s, $0.000835)');
    expect(text).not.toMatch(/\de-\d/);
  });

  it("prints each point's cost per million images through the dollar formatter", () => {
    const text = formatSamplingReport(report([point(0, 100, 8.346e-4), point(1, 1000, 2.5e-8)]));
    const lines = text.split('\n');
    const head = lines.findIndex((l) => l.includes('cost per million images'));
    expect(head).toBeGreaterThan(0);
    expect(lines[head + 1]).toMatch(/^ +0 +100 +2 +10\.00 +2\.00 +8\.00 +\$8\.35$/);
    expect(lines[head + 2]).toMatch(/^ +1 +1000 +2 +10\.00 +2\.00 +8\.00 +\$0\.0000250$/);
    expect(lines[head + 1]!.length).toBe(lines[head]!.length);
  });

  it('fits a 50-column terminal: values wrap, and each point folds onto two lines with every value kept', () => {
    const long = {
      ...report([point(0, 100, 8.346e-4), point(12, 1000, 2.5e-8)]),
      dir: 'samples/resnet50',
      remaining: 0,
      failed: [
        {
          index: 3,
          images: 500,
          workers: 4,
          error: 'the function ran out of memory while loading the model',
        },
      ],
    } as SamplingReport;
    expect(
      formatSamplingReport(long)
        .split('\n')
        .some((l) => l.length >= 50),
    ).toBe(true);
    const lines = formatSamplingReport(long, 50).split('\n');
    for (const line of lines) expect(line.length, line).toBeLessThan(50);
    // Each point's values in order over two lines, the second further in.
    const first = lines.findIndex((l) => /^ +0 +100 /.test(l));
    expect(first).toBeGreaterThan(0);
    expect(`${lines[first]} ${lines[first + 1]}`).toMatch(/^ +0 +100 +2 +10\.00 +2\.00 +8\.00 +\$8\.35$/);
    expect(`${lines[first + 2]} ${lines[first + 3]}`).toMatch(
      /^ +12 +1000 +2 +10\.00 +2\.00 +8\.00 +\$0\.0000250$/,
    );
    for (const second of [lines[first + 1], lines[first + 3]]) expect(second).toMatch(/^ {5,}\S/);
    const text = lines.join(' ').replace(/ +/g, ' ');
    expect(text).toContain('the function ran out of memory while loading the model');
    expect(text).toContain('next obifaas cpr fit samples/resnet50');
  });
});
