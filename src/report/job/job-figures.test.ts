import { describe, expect, it } from 'vitest';
import { attempt, invocation, sampleJobRecord, split, T0 } from '../../../test/support/job-record.js';
import { ErrorGrouper, invocationErrorGroups } from './error-groups.js';
import { costBreakdown, countMarks, invocationEnd, progressSeries, timeBreakdown } from './job-figures.js';

describe('job figures', () => {
  it('tells how each invocation ended, and counts every mark', () => {
    const r = sampleJobRecord();
    expect(r.invocations.map(invocationEnd)).toEqual(['ok', 'failed', 'timeout', 'stopped']);
    expect(countMarks(r)).toEqual({ failed: 1, timeout: 2, retry: 1, 'copy-won': 1, 'copy-lost': 1 });
  });

  it('does not take an invocation whose job manager was killed for a failure, as the summary does not', () => {
    const killed = invocation('w0', 0, 5000, {
      ok: false,
      error: 'its end was not recorded (the job manager stopped while it ran); its time is estimated',
      estimated: true,
    });
    expect(invocationEnd(killed)).toBe('stopped');
    const r = { ...sampleJobRecord(), invocations: [killed] };
    expect(countMarks(r).failed).toBe(0);
    expect(invocationErrorGroups(r)).toEqual([]);
  });

  it('follows progress and the functions running', () => {
    const p = progressSeries(sampleJobRecord());
    expect(p.done.at(-1)).toEqual({ x: 2.9, y: 16 });
    expect(Math.max(...p.running.map((q) => q.y))).toBe(4);
    expect(p.running.at(-1)?.y).toBe(0);
    expect(p.rate.reduce((s, q) => s + q.y, 0)).toBeGreaterThan(0);
  });

  it('sums the stages, finds the tail, and splits the cost into parts that add up', () => {
    const r = sampleJobRecord();
    const t = timeBreakdown(r);
    expect(t.stageBusySeconds).toEqual({ load: 0.4, preprocess: 1.2, predict: 0.8 });
    // The last first attempt started at 2.1 s; the last result came at 2.9 s.
    expect(t.tail?.startSeconds).toBeCloseTo(2.1);
    expect(t.tail?.seconds).toBeCloseTo(0.8);
    const c = costBreakdown(r)!;
    const parts = c.byComponent.functionUsd + c.byComponent.initUsd + c.byComponent.requestsUsd;
    expect(parts).toBeCloseTo(c.totalUsd, 12);
    expect(Object.values(c.byEnd).reduce((s, v) => s + v, 0)).toBeCloseTo(c.totalUsd, 12);
    expect(c.byEnd.failed).toBeGreaterThan(0);
  });

  it('starts the tail of a static job when its last split really started, not at its first submit', () => {
    // Two invocations submitted at once with room for one: attempts are stamped just before the
    // submit; the second function starts (2.6 s: 3 s less 0.4 s of init) when the first ends.
    const r = {
      ...sampleJobRecord(),
      invocations: [invocation('w0', 0, 3000), invocation('w1', 0, 5000, { startedAt: T0 + 3000 })],
      splits: [
        split('0', [attempt(0, 'first', 'w0', -1, 3000, 'won')]),
        split('1', [attempt(0, 'first', 'w1', -1, 5000, 'won')]),
      ],
    };
    const t = timeBreakdown(r);
    expect(t.tail?.startSeconds).toBeCloseTo(2.6);
    expect(t.tail?.seconds).toBeCloseTo(2.4);
    // Time on splits counts from when each function was done with its cold start: 2.5 s + 2 s,
    // never more than the functions ran.
    expect(t.splitSeconds).toBeCloseTo(4.5);
  });

  it('groups errors by message, most frequent first, with the first keys', () => {
    const g = new ErrorGrouper();
    for (const [m, k] of [
      ['a', '1'],
      ['b', '2'],
      ['b', '3'],
      ['b', '4'],
      ['b', '5'],
      ['b', '6'],
      ['b', '7'],
    ])
      g.add(m!, k!);
    expect(g.groups()).toEqual([
      { message: 'b', count: 6, first: ['2', '3', '4', '5', '6'] },
      { message: 'a', count: 1, first: ['1'] },
    ]);
  });
});
