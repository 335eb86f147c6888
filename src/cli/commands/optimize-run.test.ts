import { describe, expect, it } from 'vitest';
import { OBJECTIVES } from '../../planning/worker-objective.js';
import type { OptimizeReport } from '../../tuning/optimize-loop.js';
import type { TrialRecord } from '../../tuning/trial-runner.js';
import { createStatusLine } from '../status-line.js';
import { formatObjectiveValue, formatOptimizeReport, optimizeProgress } from './optimize-run.js';

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

describe("optimize's progress off a terminal", () => {
  const unit = OBJECTIVES.throughput.unit;
  const trial = (number: number, value: number | null): TrialRecord => ({
    number,
    params: { memory: 1024 },
    value,
    status: value === null ? 'failed' : 'ok',
    settings: {
      memory: 1024,
      batchSize: 4,
      interOpThreads: 1,
      intraOpThreads: 1,
      replicas: 1,
      loadConcurrency: 1,
      preprocessConcurrency: 1,
    },
    seconds: 1,
  });

  it('prints a line per finished trial, and a plain progress line each time the interval has passed', () => {
    let now = 0;
    let text = '';
    const status = createStatusLine(
      { isTTY: false, write: (chunk: string) => (text += chunk) },
      { now: () => now },
    );
    const report = optimizeProgress(status, unit, () => now);
    report({ type: 'resume', done: 1, total: 3 });
    report({ type: 'start', number: 1, params: { memory: 1024 }, total: 3 });
    now = 30_000;
    report({ type: 'start', number: 1, params: { memory: 1024 }, total: 3 });
    now = 40_000;
    report({ type: 'trial', record: trial(1, 12.5), best: trial(1, 12.5), total: 3 });
    report({ type: 'start', number: 2, params: { memory: 1024 }, total: 3 });
    now = 70_000;
    report({ type: 'trial', record: trial(2, null), best: trial(1, 12.5), total: 3 });
    status.stop();
    expect(text.split('\n')).toEqual([
      'resuming after 1 recorded trial',
      'optimize 1/3 trials | trial 1 running | no success yet | 30s',
      'trial 1 (2 of 3): ok 12.500; best 12.500 (trial 1)',
      'trial 2 (3 of 3): failed -; best 12.500 (trial 1)',
      'optimize 3/3 trials | between trials | best 12.500 (trial 1) | 70s',
      '',
    ]);
  });
});
