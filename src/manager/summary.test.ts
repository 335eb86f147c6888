/**
 * The summary's figures on in-memory records: throughput over the inputs that got predictions,
 * and nothing (null, "—" in the table) where a figure means nothing for the job.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LAMBDA_PRICES } from '../core/pricing.js';
import { formatSummaryTable, plannedWorkers, summaryJson } from '../report/job-summary.js';
import { summarizeJob, type SummaryInput } from './summary.js';
import type { InvocationRecord } from './types.js';

const T0 = 1_700_000_000_000;

function invocation(submittedAfterMs: number, ok = true): InvocationRecord {
  const submittedAt = T0 + submittedAfterMs;
  return {
    invocationId: `i${submittedAfterMs}`,
    submittedAt,
    startedAt: submittedAt,
    endedAt: submittedAt + 1000,
    durationMs: 1000,
    billedMs: 1000,
    initMs: 0,
    cold: false,
    memoryMb: 1024,
    workerId: 'w0',
    splitIds: ['0'],
    attempt: 0,
    ok,
  };
}

function job(overrides: Partial<SummaryInput>): SummaryInput {
  return {
    name: 'photos',
    jobId: 'photos-1',
    status: 'completed',
    mode: 'static',
    backend: 'local',
    memoryMb: 1024,
    prices: LAMBDA_PRICES.x86_64,
    inputs: 100,
    ok: 100,
    errors: 0,
    workers: 2,
    invocations: [invocation(0), invocation(500)],
    splits: [],
    startedAt: T0 - 2000,
    lastResultAt: T0 + 10_000,
    lastPredictionAt: T0 + 10_000,
    out: '/out',
    ...overrides,
  };
}

describe('summarizeJob', () => {
  it('a completed job: latency from the first submit to the last result, predictions per second', () => {
    const s = summarizeJob(job({ ok: 80, errors: 20, lastPredictionAt: T0 + 8_000 }));
    expect(s.elapsedSeconds).toBe(10);
    expect(s.latencySeconds).toBe(10);
    expect(s.imagesPerSecond).toBe(10); // 80 predictions in the 8 s to the last one
    expect(s.imagesPerDollar).toBeCloseTo(80 / s.costUsd, 6);
  });

  it('every request failed: no latency, no throughput, no images per dollar', () => {
    const s = summarizeJob(
      job({
        ok: 0,
        errors: 100,
        invocations: [invocation(0, false), invocation(1, false)],
        lastResultAt: T0 + 30,
        lastPredictionAt: null,
      }),
    );
    expect(s).toMatchObject({ latencySeconds: null, imagesPerSecond: null, imagesPerDollar: null });
    expect(s.elapsedSeconds).toBeCloseTo(0.03, 6);
    expect(s.costUsd).toBeGreaterThan(0);
    const table = formatSummaryTable(s);
    expect(table).toMatch(/^Latency +— \(no input got a prediction; it ran 0\.03 s\)$/m);
    expect(table).toMatch(/^Throughput +— \(no input got a prediction\)$/m);
    expect(JSON.parse(JSON.stringify(summaryJson(s)))).toMatchObject({
      latencySeconds: null,
      imagesPerSecond: null,
    });
  });

  it('a cancelled job: no latency; throughput only over what was predicted', () => {
    const none = summarizeJob(job({ status: 'cancelled', ok: 0, errors: 100, lastPredictionAt: null }));
    expect(none).toMatchObject({ latencySeconds: null, imagesPerSecond: null });
    expect(formatSummaryTable(none)).toMatch(/^Latency +— \(the job was cancelled; it ran 10\.0 s\)$/m);

    const some = summarizeJob(job({ status: 'cancelled', ok: 40, errors: 60, lastPredictionAt: T0 + 4_000 }));
    expect(some.latencySeconds).toBeNull();
    expect(some.imagesPerSecond).toBe(10);
  });

  it('a failed job: no latency', () => {
    const s = summarizeJob(job({ status: 'failed', ok: 10, errors: 90, lastPredictionAt: T0 + 1_000 }));
    expect(s.latencySeconds).toBeNull();
    expect(formatSummaryTable(s)).toMatch(/^Latency +— \(the job stopped early; it ran 10\.0 s\)$/m);
  });

  it('a resumed job: the invocations of every run, told apart from what the last run planned', () => {
    const activeTime = { seconds: 10, predictingSeconds: 10, runs: 2 };
    const invocations = [0, 100, 200, 300, 400, 500, 600].map((ms) => invocation(ms));
    const s = summarizeJob(job({ workers: 3, invocations, activeTime, invocationsInEarlierRuns: 4 }));
    expect(s).toMatchObject({ workers: 3, invocations: 7, invocationsInEarlierRuns: 4, runs: 2 });
    expect(formatSummaryTable(s)).toMatch(
      /^Functions +7 invocations over 2 runs \(3 in this run, of 3 planned; 4 before it\), static mode/m,
    );
    expect(plannedWorkers(s)).toBe('3 workers planned by the last of 2 runs');

    const once = summarizeJob(job({ workers: 2, invocationsInEarlierRuns: 0 }));
    expect(once.invocationsInEarlierRuns).toBeUndefined();
    expect(formatSummaryTable(once)).toMatch(/^Functions +2 invocations of 2 planned, static mode/m);
    expect(plannedWorkers(once)).toBe('2 workers planned');
  });

  it('on a terminal, wraps long values under themselves, the labels alone in their column', () => {
    const s = summarizeJob(
      job({ out: '/a/very/long/output/folder/that/no/terminal/line/holds/at/fifty/columns' }),
    );
    expect(formatSummaryTable(s)).not.toMatch(/\n {12}\S/); // a pipe: one line per row
    for (const width of [80, 50]) {
      const lines = formatSummaryTable(s, width).split('\n');
      const labels = lines.filter((line) => !line.startsWith(' ')).map((line) => line.split(' ')[0]);
      expect(labels).toEqual([
        'Job',
        'Inputs',
        'Functions',
        'Latency',
        'Throughput',
        'Billed',
        'Cost',
        'Output',
      ]);
      // Every line fits, but for a path no line holds; a continuation starts under the values.
      for (const line of lines.filter((l) => !l.includes('/a/very'))) expect(line.length).toBeLessThan(width);
      for (const line of lines.filter((l) => l.startsWith(' '))) expect(line).toMatch(/^ {12}\S/);
      expect(lines.join(' ').replace(/ +/g, ' ')).toBe(
        formatSummaryTable(s).split('\n').join(' ').replace(/ +/g, ' '),
      );
    }
  });

  it('a job that never submitted: elapsed from its start', () => {
    const s = summarizeJob(job({ ok: 0, errors: 100, invocations: [], lastPredictionAt: null }));
    expect(s.elapsedSeconds).toBe(12);
    expect(s.latencySeconds).toBeNull();
  });
});

describe('the summary fields', () => {
  it('are each documented in the README Outputs table', async () => {
    const readme = await readFile(path.resolve(import.meta.dirname, '..', '..', 'README.md'), 'utf8');
    const outputs = readme.slice(readme.indexOf('## Outputs'), readme.indexOf('## Many jobs'));
    const rows = outputs.split('\n').filter((line) => line.startsWith('| `'));
    const documented = new Set(
      rows.flatMap((row) => [...row.split('|')[1]!.matchAll(/`(\w+)`/g)].map((m) => m[1])),
    );
    const resumed = summarizeJob(
      job({ activeTime: { seconds: 1, predictingSeconds: 1, runs: 2 }, invocationsInEarlierRuns: 1 }),
    );
    expect(Object.keys(resumed).filter((key) => !documented.has(key))).toEqual([]);
  });
});
