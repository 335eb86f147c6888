/** Inputs that failed for a passing reason are tried again within the job (the dispatch core). */
import { describe, expect, it } from 'vitest';
import { core, keys, ok, types } from '../../test/support/dispatch-core.js';
import type { DispatchDecision } from './dispatch-core.js';
import { finalResults, inputRetryBackoffMs, mergeRound } from './input-retry.js';
import type { InputResult } from './prediction.js';

const slowDown = (key: string): InputResult => ({
  key,
  top: null,
  error: `cannot load '${key}': SlowDown`,
  errorKind: 'passing',
});
const missing = (key: string): InputResult => ({
  key,
  top: null,
  error: `cannot load '${key}': no such key`,
  errorKind: 'permanent',
});

/** The results of `ks`, with those of `failing` made by `fail`. */
const results = (ks: readonly string[], failing: Record<string, (k: string) => InputResult>): InputResult[] =>
  ok(ks).map((r) => failing[r.key]?.(r.key) ?? r);

const doneSplit = (ds: DispatchDecision[]) => {
  const done = ds.find((d) => d.type === 'splitDone');
  if (done?.type !== 'splitDone') throw new Error('no splitDone');
  return done.split;
};

describe('DispatchCore: inputs tried again after a passing error', () => {
  it('static: only the failed inputs run again, after the back-off, in a retry invocation; one result each', () => {
    const k = keys(4);
    const { core: c, take } = core(4, 4, { mode: 'static', maxSplitRetries: 2, inputRetryBackoffMs: 100 });
    c.start(0);
    take();
    const first = results(k, { [k[1] as string]: slowDown, [k[2] as string]: missing });
    c.invocationEnded('w0', { ok: true, returned: [{ splitId: '0', results: first }] }, 10);
    expect(take()).toEqual([]); // not done: k1 waits out the back-off
    expect(c.state.isFinished()).toBe(false);
    expect(c.nextTickAt()).toBe(250); // the tick grid at or after 10 + 100
    c.tick(250);
    expect(take()).toMatchObject([
      {
        type: 'invoke',
        reason: 'retry',
        workers: [{ workerId: 'w1', split: { splitId: '0', attempt: 1, kind: 'retry', keys: [k[1]] } }],
      },
    ]);
    c.invocationEnded('w1', { ok: true, returned: [{ splitId: '0', results: ok([k[1] as string]) }] }, 300);
    const ds = take();
    expect(types(ds)).toEqual(['splitDone', 'finished']);
    expect(doneSplit(ds).results).toEqual([
      { key: k[0], top: [], error: null },
      { key: k[1], top: [], error: null },
      missing(k[2] as string),
      { key: k[3], top: [], error: null },
    ]);
    expect(c.counts()).toMatchObject({ invoked: { planned: 1, retry: 1 }, retries: 1 });
    expect(c.state.checkInvariants()).toEqual([]);
  });

  it('stops at the retry limit: the line says how often the input was tried; a permanent error is not tried again', () => {
    const k = keys(2);
    const { core: c, take } = core(2, 2, { mode: 'static', maxSplitRetries: 2, inputRetryBackoffMs: 0 });
    c.start(0);
    take();
    const end = (workerId: string, rs: InputResult[], at: number): void =>
      c.invocationEnded(workerId, { ok: true, returned: [{ splitId: '0', results: rs }] }, at);
    end('w0', results(k, { [k[0] as string]: slowDown, [k[1] as string]: missing }), 1);
    c.tick(250);
    const [retry] = take();
    expect(retry).toMatchObject({ type: 'invoke', workers: [{ split: { keys: [k[0]] } }] });
    end('w1', [slowDown(k[0] as string)], 260);
    c.tick(500);
    expect(take()).toMatchObject([{ type: 'invoke', workers: [{ workerId: 'w2', split: { attempt: 2 } }] }]);
    end('w2', [slowDown(k[0] as string)], 510);
    const ds = take();
    expect(doneSplit(ds).results).toEqual([
      { ...slowDown(k[0] as string), error: `cannot load '${k[0]}': SlowDown (tried 3 times)` },
      missing(k[1] as string),
    ]);
    expect(c.counts()).toMatchObject({ invoked: { planned: 1, retry: 2 }, retries: 2 });
  });

  it('with no retries allowed, a passing error is final at once (tried 1 time)', () => {
    const k = keys(1);
    const { core: c, take } = core(1, 1, { mode: 'static', maxSplitRetries: 0 });
    c.start(0);
    take();
    c.invocationEnded(
      'w0',
      { ok: true, returned: [{ splitId: '0', results: [slowDown(k[0] as string)] }] },
      1,
    );
    expect(doneSplit(take()).results[0]?.error).toBe(`cannot load '${k[0]}': SlowDown (tried 1 time)`);
  });

  it('dynamic: the retry waits out the back-off; the idle worker stops and a worker is invoked for it', () => {
    const k = keys(4);
    const { core: c, take } = core(4, 2, { plannedWorkers: 1, inputRetryBackoffMs: 1_000 });
    c.start(0);
    take();
    const a = c.pull('w0', [], 1, 1).splits[0];
    expect(a?.keys).toEqual(k.slice(0, 2));
    const b = c.pull(
      'w0',
      [{ splitId: '0', results: results(a?.keys ?? [], { [k[0] as string]: slowDown }) }],
      1,
      2,
    );
    expect(b.statuses).toEqual([{ splitId: '0', status: 'accepted', detail: '' }]);
    expect(b.splits[0]?.splitId).toBe('1');
    const stop = c.pull('w0', [{ splitId: '1', results: ok(k.slice(2)) }], 1, 3);
    expect(stop).toMatchObject({ splits: [], wait: false });
    expect(types(take())).toEqual(['splitDone']);
    c.invocationEnded('w0', { ok: true }, 4);
    expect(take()).toEqual([]); // no replacement while the inputs back off
    expect(c.nextTickAt()).toBe(1_250); // the tick grid at or after 2 + 1000
    c.tick(1_250);
    expect(take()).toMatchObject([{ type: 'invoke', reason: 'starved', workers: [{ workerId: 'w1' }] }]);
    const again = c.pull('w1', [], 1, 1_255).splits[0];
    expect(again).toMatchObject({ splitId: '0', attempt: 1, kind: 'retry', keys: [k[0]] });
    c.pull('w1', [{ splitId: '0', results: ok([k[0] as string]) }], 1, 1_260);
    const ds = take();
    expect(types(ds)).toEqual(['splitDone', 'finished']);
    expect(doneSplit(ds).results).toEqual(ok(k.slice(0, 2)));
    expect(c.state.checkInvariants()).toEqual([]);
  });

  it("drops a late result of an earlier round's attempt, and a crash of the retry keeps the held results", () => {
    const k = keys(2);
    const { core: c, take } = core(2, 2, { plannedWorkers: 2, inputRetryBackoffMs: 0, maxSplitRetries: 2 });
    c.start(0);
    take();
    c.pull('w0', [], 1, 1);
    c.state.addCopy('0');
    c.pull('w1', [], 1, 2); // a copy of split 0 runs on w1
    c.pull('w0', [{ splitId: '0', attempt: 0, results: results(k, { [k[1] as string]: slowDown }) }], 1, 3);
    expect(types(take())).toEqual(['cancel']);
    const late = c.pull('w1', [{ splitId: '0', attempt: 1, results: ok(k) }], 1, 4);
    expect(late.statuses[0]).toMatchObject({ status: 'duplicate' });
    c.tick(250);
    expect(take()).toMatchObject([{ type: 'invoke', reason: 'starved' }]); // both workers were told to stop
    const retry = c.pull('w1', [], 1, 260).splits[0];
    expect(retry).toMatchObject({ attempt: 2, keys: [k[1]] });
    c.streamClosed('w1', 'crashed', 270);
    expect(take()).toMatchObject([{ type: 'workerLost', event: { requeued: ['0'] } }, { type: 'invoke' }]);
    expect(c.pull('w0', [], 1, 280).splits[0]).toMatchObject({ attempt: 3, keys: [k[1]] });
    c.streamClosed('w0', 'crashed', 290);
    const ds = take();
    const split = doneSplit(ds);
    expect(split.results[0]).toEqual({ key: k[0], top: [], error: null });
    expect(split.results[1]?.error).toMatch(/split 0 failed/);
  });

  it('static: retry rounds and failed attempts share one retry limit (a function that fails every retry round)', () => {
    const k = keys(2);
    const { core: c, take } = core(2, 2, { mode: 'static', maxSplitRetries: 2, inputRetryBackoffMs: 0 });
    c.start(0);
    take();
    const first = results(k, { [k[1] as string]: slowDown });
    c.invocationEnded('w0', { ok: true, returned: [{ splitId: '0', results: first }] }, 10);
    let invoked = 1;
    for (let now = 250; !c.state.isFinished() && invoked < 10; now += 250) {
      c.tick(now);
      for (const d of take()) {
        if (d.type !== 'invoke') continue;
        for (const w of d.workers) {
          invoked++;
          c.invocationEnded(w.workerId, { ok: false, retryable: true, error: 'no answer' }, now + 1);
        }
      }
    }
    expect(c.state.isFinished()).toBe(true);
    expect(invoked).toBe(3); // the first attempt, then 2 tries again: 1 round and 1 after a failure
    const done = c.state.result('0')?.results ?? [];
    expect(done[0]).toEqual({ key: k[0], top: [], error: null });
    expect(done[1]?.error).toMatch(/split 0 failed 2 times: attempt 0_1: .*; attempt 0_2: /);
    expect(c.counts()).toMatchObject({ retries: 2 });
  });

  it('doubles the back-off each round, up to a cap', () => {
    expect([1, 2, 3].map((r) => inputRetryBackoffMs(r, 100))).toEqual([100, 200, 400]);
    expect(inputRetryBackoffMs(20)).toBe(30_000);
  });
});

describe('mergeRound and finalResults', () => {
  it("keep a first round's results array as it is when no input failed for a passing reason", () => {
    const shared = Object.freeze(ok(['a', 'b', 'c']));
    const merged = mergeRound(3, null, shared);
    expect(merged.results).toBe(shared);
    expect(merged.passing).toEqual([]);
    expect(finalResults(merged.results, merged.passing, 1)).toBe(shared);
  });

  it("place a retry round's results at its inputs and say how often a passing error was tried", () => {
    const first = results(['a', 'b', 'c'], { b: slowDown, c: missing });
    const round = { open: [1], held: first, firstAttempt: 1, retries: 1 };
    const merged = mergeRound(3, round, [slowDown('b')]);
    expect(merged.passing).toEqual([1]);
    const final = finalResults(merged.results, merged.passing, 2);
    expect(final.map((r) => r.error)).toEqual([
      null,
      "cannot load 'b': SlowDown (tried 2 times)",
      "cannot load 'c': no such key",
    ]);
    expect(first[1]?.error).toBe("cannot load 'b': SlowDown");
  });
});
