import { describe, expect, it } from 'vitest';
import type { InputResult } from './prediction.js';
import { median } from './median.js';
import { speculationDecisions, speculationPolicy } from './speculation.js';
import { SplitState, type SplitStateOptions } from './split-state.js';
import { splitBySize } from './splitting.js';

const ok = (ks: readonly string[]): InputResult[] => ks.map((key) => ({ key, top: [], error: null }));

/**
 * A job of `total` one-input splits: `done` of them finished with the given durations, the
 * rest started on workers `s0, s1, ...` at the given start times.
 */
function job(durations: number[], runningSince: number[], options: SplitStateOptions = {}): SplitState {
  const total = durations.length + runningSince.length;
  const state = new SplitState(
    splitBySize(
      Array.from({ length: total }, (_, i) => `k${i}`),
      1,
    ),
    options,
  );
  durations.forEach((d, i) => {
    const a = state.assign(`d${i}`, 0);
    if (a.type !== 'split') throw new Error('expected a split');
    state.complete(`d${i}`, a.splitId, ok(a.keys), d);
  });
  runningSince.forEach((t, i) => state.assign(`s${i}`, t));
  return state;
}

describe('median', () => {
  it('handles odd, even and empty lists', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNull();
  });
});

describe('speculationDecisions', () => {
  const policy = speculationPolicy(1);

  it('uses the reference defaults', () => {
    expect(policy).toEqual({ quantile: 0.75, multiplier: 2, maxSplitRetries: 1, maxExtraWorkers: 1 });
  });

  it('stays off until more than the quantile of splits are done', () => {
    // 3 of 4 done = 0.75, not more than 0.75.
    const state = job([100, 100, 100], [0]);
    expect(speculationDecisions(state, 10_000, policy)).toMatchObject({ active: false, copies: [] });
    // 4 of 5 done = 0.8.
    const later = job([100, 100, 100, 100], [0]);
    expect(speculationDecisions(later, 10_000, policy)).toMatchObject({ active: true, medianMs: 100 });
  });

  it('copies attempts running longer than multiplier x median of done splits', () => {
    const state = job([100, 120, 500, 110, 90, 100, 105, 95], [0, 300]);
    const at = 1000; // median 102.5, threshold 205: split 8 (1000 ms) is slow, split 9 (700 ms) too
    const d = speculationDecisions(state, at, { ...policy, multiplier: 8 });
    expect(d.medianMs).toBe(102.5);
    expect(d.thresholdMs).toBe(820);
    expect(d.copies.map((c) => [c.splitId, c.workerId, c.runningForMs, c.copyNumber])).toEqual([
      ['8', 's0', 1000, 1],
    ]);
    expect(speculationDecisions(state, at, policy).copies.map((c) => c.splitId)).toEqual(['8', '9']);
  });

  it('asks for one extra worker for the first copy, none when one is waiting or the budget is spent', () => {
    const state = job([10, 10, 10, 10, 10, 10, 10, 10], [0, 0]);
    expect(speculationDecisions(state, 100, policy).extraWorkers).toBe(1);
    expect(speculationDecisions(state, 100, policy, 1).extraWorkers).toBe(0);
    expect(speculationDecisions(state, 100, { ...policy, maxExtraWorkers: 5 }).extraWorkers).toBe(2);
    expect(speculationDecisions(state, 100, { ...policy, maxExtraWorkers: 0 }).extraWorkers).toBe(0);
    const waiting = job([10, 10, 10, 10, 10, 10, 10, 10], [0, 0], { idleWorkers: 'wait' });
    expect(waiting.assign('idle', 1).type).toBe('wait');
    expect(speculationDecisions(waiting, 100, { ...policy, maxExtraWorkers: 5 }).extraWorkers).toBe(1);
  });

  it('copies a split at most maxSplitRetries times, and not while a copy is queued', () => {
    const state = job([10, 10, 10, 10, 10, 10, 10, 10], [0], { maxSplitRetries: 2 });
    const twice = speculationPolicy(2);
    const first = speculationDecisions(state, 100, twice);
    expect(first.copies.map((c) => c.copyNumber)).toEqual([1]);
    expect(state.addCopy('8')).toBe(true);
    expect(speculationDecisions(state, 100, twice).copies).toEqual([]); // copy still queued
    expect(state.assign('c1', 100).type).toBe('split');
    // The copy itself is young: nothing to do until it, too, runs past the threshold.
    expect(speculationDecisions(state, 110, twice).copies).toEqual([]);
    const second = speculationDecisions(state, 200, twice);
    expect(second.copies.map((c) => [c.workerId, c.copyNumber])).toEqual([['c1', 2]]);
    expect(second.extraWorkers).toBe(0);
    expect(state.addCopy('8')).toBe(true);
    expect(state.assign('c2', 200).type).toBe('split');
    expect(speculationDecisions(state, 10_000, twice).copies).toEqual([]);
    expect(state.addCopy('8')).toBe(false);
  });

  it('never copies more than the job allows even if the policy says more', () => {
    const state = job([10, 10, 10, 10, 10, 10, 10, 10], [0], { maxSplitRetries: 0 });
    expect(speculationDecisions(state, 1000, speculationPolicy(3)).copies).toEqual([]);
  });
});
