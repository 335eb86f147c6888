import { describe, expect, it } from 'vitest';
import { OBJECTIVES } from '../../planning/worker-objective.js';
import type { OptimizeReport } from '../../tuning/optimize-loop.js';
import { formatObjectiveValue, formatOptimizeReport } from './optimize-run.js';

describe('formatObjectiveValue', () => {
  const unit = (name: keyof typeof OBJECTIVES): string => OBJECTIVES[name].unit;

  it('prints images per dollar grouped, to 4 significant digits, never with an exponent', () => {
    expect(formatObjectiveValue(3_289_212.7, unit('throughput-per-dollar'))).toBe('3,289,000');
    expect(formatObjectiveValue(123_456_789, unit('throughput-per-dollar'))).toBe('123,500,000');
  });

  it('prints a cost per image in dollars', () => {
    expect(formatObjectiveValue(2.7e-6, unit('cost-per-image'))).toBe('$0.00000270');
    expect(formatObjectiveValue(0.0125, unit('cost-per-image'))).toBe('$0.0125');
  });

  it('prints throughput to 3 decimals, tiny values without an exponent, and a missing value as -', () => {
    expect(formatObjectiveValue(41.23456, unit('throughput'))).toBe('41.235');
    expect(formatObjectiveValue(0.000123, unit('throughput'))).toBe('0.000123');
    expect(formatObjectiveValue(1e-9, unit('throughput'))).toBe('0.00000000100');
    expect(formatObjectiveValue(null, unit('throughput'))).toBe('-');
    for (const v of [1e-9, 5e21]) expect(formatObjectiveValue(v, unit('throughput'))).not.toMatch(/e/);
  });
});

describe('the optimize report', () => {
  const report = (): OptimizeReport => ({
    dir: '/o',
    files: { trialsLog: '/o/trials.jsonl', trials: '/o/trials.json', bestWorker: null, plot: '/o/p.svg' },
    objective: 'throughput-per-dollar',
    direction: 'maximize',
    unit: 'images per dollar',
    trials: [],
    resumed: 0,
    repeats: 1,
    spaceSize: 11_488,
    exhausted: false,
    fitted: [],
    best: null,
    cancelled: false,
    elapsedSeconds: 1,
  });

  it('counts the points of the space and the runs per trial as a reader counts them', () => {
    const text = formatOptimizeReport(report());
    expect(text).toMatch(/^space +11,488 points$/m);
    expect(text).toMatch(/the median of 1 run per trial$/m);
  });

  it('lines the trial columns up under their headings, a value with its spread as wide as it comes', () => {
    const settings = { memory: 7076, batchSize: 128, interOpThreads: 7, intraOpThreads: 5, replicas: 1 };
    const measured = {
      images: 128,
      computeSeconds: 2.14,
      initSeconds: 0.5,
      latencySeconds: 3,
      imagesPerSecond: 60,
      costUsd: 0.0002,
      costPerImageUsd: 0.0000015,
    };
    const repeat = (value: number) => ({
      value,
      computeSeconds: 2,
      initSeconds: 0.5,
      latencySeconds: 3,
      job: 'j',
    });
    const trials = [
      { number: 0, params: {}, value: 519_600, status: 'ok' as const, settings, measured, seconds: 9 },
      {
        number: 1,
        params: {},
        value: 519_600,
        status: 'ok' as const,
        settings,
        measured,
        repeats: [repeat(516_300), repeat(519_600), repeat(547_800)],
        seconds: 9,
      },
    ] as unknown as OptimizeReport['trials'];
    const lines = formatOptimizeReport({ ...report(), trials }).split('\n');
    const heading = lines.find((l) => l.startsWith('trial '))!;
    const rows = lines.filter((l) => /^ +\d+ {2}ok/.test(l));
    expect(rows).toHaveLength(2);
    expect(rows[1]).toContain('519,600 (516,300..547,800)');
    // Right-aligned columns: each row ends where the heading does, and its value where its heading does.
    const valueEnd = heading.indexOf('..max)') + '..max)'.length;
    for (const row of rows) expect(row.length).toBe(heading.length);
    expect(rows[0]!.slice(0, valueEnd)).toMatch(/ {2}519,600$/);
    expect(rows[1]!.slice(0, valueEnd)).toMatch(/ {2}519,600 \(516,300\.\.547,800\)$/);
  });
});
