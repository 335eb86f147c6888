import { describe, expect, it } from 'vitest';
import type { InputResult } from './prediction.js';
import { type Assignment, SplitState } from './split-state.js';
import { splitBySize } from './splitting.js';

const keys = (n: number): string[] => Array.from({ length: n }, (_, i) => `img/${i}.jpg`);
const ok = (ks: readonly string[]): InputResult[] =>
  ks.map((key) => ({ key, top: [{ class: 1, score: 1 }], error: null }));

function expectSplit(a: Assignment): Extract<Assignment, { type: 'split' }> {
  if (a.type !== 'split') throw new Error(`expected a split, got ${a.type}`);
  return a;
}

/** A straggler `slow` whose split 0 is copied to `fast`, and the copy wins. */
function copyWins(stopOutpacedWorkers: boolean): SplitState {
  const state = new SplitState(splitBySize(keys(8), 2), { stopOutpacedWorkers });
  const slow = expectSplit(state.assign('slow', 0));
  expect(state.addCopy(slow.splitId)).toBe(true);
  const copy = expectSplit(state.assign('fast', 10));
  expect(copy).toMatchObject({ splitId: slow.splitId, kind: 'copy' });
  expect(state.complete('fast', copy.splitId, ok(copy.keys), 20, copy.attempt).type).toBe('accepted');
  expect(state.complete('slow', slow.splitId, ok(slow.keys), 30, slow.attempt).type).toBe('duplicate');
  return state;
}

describe('SplitState: workers outpaced by a copy', () => {
  it('get no new split when stopOutpacedWorkers is set; the others take the rest', () => {
    const state = copyWins(true);
    expect(state.assign('slow', 31)).toEqual({ type: 'stop' });
    expect(state.worker('slow')?.status).toBe('stopped');
    for (let now = 32; !state.isFinished(); now++) {
      const next = expectSplit(state.assign('fast', now));
      state.complete('fast', next.splitId, ok(next.keys), now, next.attempt);
    }
    expect(state.checkInvariants()).toEqual([]);
  });

  it('go on taking splits by default, as in the reference', () => {
    const state = copyWins(false);
    expect(state.assign('slow', 31).type).toBe('split');
  });

  it('are not marked when the original wins over its copy', () => {
    const state = new SplitState(splitBySize(keys(8), 2), { stopOutpacedWorkers: true });
    const original = expectSplit(state.assign('a', 0));
    state.addCopy(original.splitId);
    const copy = expectSplit(state.assign('b', 5));
    state.complete('a', original.splitId, ok(original.keys), 6, original.attempt);
    expect(state.assign('a', 7).type).toBe('split');
    expect(state.complete('b', copy.splitId, ok(copy.keys), 8, copy.attempt).type).toBe('duplicate');
    expect(state.assign('b', 9).type).toBe('split');
  });
});
