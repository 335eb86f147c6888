import { describe, expect, it } from 'vitest';
import type { InputResult } from './prediction.js';
import { PendingQueue, validateResults } from './split-queue.js';

const r = (key: string, tag = ''): InputResult => ({
  key,
  top: [{ class: 0, label: tag, score: 1 }],
  error: null,
});

describe('validateResults', () => {
  it('accepts results in key order or any other order, returning key order', () => {
    expect(validateResults(['a', 'b'], [r('a'), r('b')])).toEqual({ ok: true, results: [r('a'), r('b')] });
    expect(validateResults(['a', 'b'], [r('b'), r('a')])).toEqual({ ok: true, results: [r('a'), r('b')] });
  });

  it('needs one result per occurrence of a key listed twice', () => {
    expect(validateResults(['a', 'b', 'a'], [r('b'), r('a', '1'), r('a', '2')])).toMatchObject({
      ok: true,
      results: [r('a', '1'), r('b'), r('a', '2')],
    });
    expect(validateResults(['a', 'b'], [r('a'), r('a')])).toEqual({
      ok: false,
      problem: 'no result for input "b"',
    });
  });

  it('names what is wrong', () => {
    expect(validateResults(['a'], [])).toEqual({ ok: false, problem: '0 results for 1 inputs' });
    expect(validateResults(['a'], [{ key: 'a', top: null, error: null }])).toEqual({
      ok: false,
      problem: 'input "a" must have either predictions, a vector or an error',
    });
    expect(validateResults(['a'], [{ key: 'a', top: [], error: 'x' }]).ok).toBe(false);
  });

  it('checks frozen results once per frozen keys, anything else every time', () => {
    const keys = Object.freeze(['a', 'b']);
    const results = Object.freeze([Object.freeze(r('a')), Object.freeze(r('b'))]);
    expect(validateResults(keys, results)).toEqual({ ok: true, results });
    expect(validateResults(keys, results).ok).toBe(true);
    // The same results against other keys are checked again.
    expect(validateResults(Object.freeze(['a', 'c']), results)).toEqual({
      ok: false,
      problem: 'no result for input "c"',
    });
    // Arrays that may change are checked again after a change.
    const open = [r('a'), r('b')];
    expect(validateResults(keys, open).ok).toBe(true);
    open[1] = { key: 'b', top: null, error: null };
    expect(validateResults(keys, open).ok).toBe(false);
  });
});

describe('PendingQueue', () => {
  it('serves the front (retries, copies) first in FIFO order, then first attempts in FIFO order', () => {
    const q = new PendingQueue();
    for (let i = 0; i < 3000; i++) q.pushBack(String(i));
    for (let i = 0; i < 1500; i++) expect(q.take(() => true)?.splitId).toBe(String(i));
    q.pushFront('r1', 'retry');
    q.pushFront('c1', 'copy');
    expect(q.size).toBe(1502);
    expect(q.take(() => true)).toEqual({ splitId: 'r1', kind: 'retry' });
    expect(q.take((id) => id !== 'c1')).toEqual({ splitId: '1500', kind: 'first' });
    q.removeAll('1502');
    expect([q.take(() => true)?.splitId, q.take(() => true)?.splitId, q.take(() => true)?.splitId]).toEqual([
      'c1',
      '1501',
      '1503',
    ]);
    expect(q.size).toBe(1496);
  });
});
