import { describe, expect, it } from 'vitest';
import type { InputResult } from './prediction.js';
import { Random } from './random.js';
import { type Assignment, SplitState } from './split-state.js';
import { splitBySize } from './splitting.js';

const keys = (n: number): string[] => Array.from({ length: n }, (_, i) => `img/${i}.jpg`);
const ok = (ks: readonly string[], tag = 'w'): InputResult[] =>
  ks.map((key) => ({ key, top: [{ class: 1, label: tag, score: 0.9 }], error: null }));

function expectSplit(a: Assignment): Extract<Assignment, { type: 'split' }> {
  if (a.type !== 'split') throw new Error(`expected a split, got ${a.type}`);
  return a;
}

describe('SplitState: assignment and completion', () => {
  it('hands out splits in FIFO order, then stop; every input gets one result', () => {
    const state = new SplitState(splitBySize(keys(10), 4));
    const a = expectSplit(state.assign('w1', 0));
    const b = expectSplit(state.assign('w2', 0));
    expect([a.splitId, b.splitId, a.kind, a.attempt]).toEqual(['0', '1', 'first', 0]);
    expect(state.complete('w1', '0', ok(a.keys), 5).type).toBe('accepted');
    const c = expectSplit(state.assign('w1', 5));
    expect(c.splitId).toBe('2');
    expect(state.assign('w3', 6)).toEqual({ type: 'stop' });
    state.complete('w2', '1', ok(b.keys), 7);
    state.complete('w1', '2', ok(c.keys), 8);
    expect(state.isFinished()).toBe(true);
    expect(state.progress()).toMatchObject({
      doneSplits: 3,
      doneInputs: 10,
      totalInputs: 10,
      runningSplits: 0,
    });
    expect(state.checkInvariants()).toEqual([]);
  });

  it("with idleWorkers 'wait', answers wait while splits still run, stop once finished", () => {
    const state = new SplitState(splitBySize(keys(2), 2), { idleWorkers: 'wait' });
    const a = expectSplit(state.assign('w1', 0));
    expect(state.assign('w2', 0)).toEqual({ type: 'wait' });
    expect(state.waitingWorkers()).toEqual(['w2']);
    state.complete('w1', a.splitId, ok(a.keys), 1);
    expect(state.assign('w2', 1)).toEqual({ type: 'stop' });
  });

  it('reorders results to the split key order and rejects results that do not match the inputs', () => {
    const state = new SplitState(splitBySize(keys(3), 3), { maxSplitRetries: 1 });
    const a = expectSplit(state.assign('w1', 0));
    const bad = state.complete('w1', '0', ok(a.keys).slice(1), 1);
    expect(bad).toMatchObject({ type: 'rejected', effects: { requeued: ['0'] } });
    expect(bad.type === 'rejected' && bad.reason).toMatch(/2 results for 3 inputs/);
    const retry = expectSplit(state.assign('w2', 2));
    expect([retry.kind, retry.attempt]).toEqual(['retry', 1]);
    const reversed = ok(retry.keys).reverse();
    expect(state.complete('w2', '0', reversed, 3).type).toBe('accepted');
    expect(state.result('0')?.results.map((r) => r.key)).toEqual(keys(3));
    expect(state.records()[0]?.attempts.map((x) => x.outcome)).toEqual(['invalid', 'won']);
  });

  it('rejects a result for an unknown split or one never assigned to that worker, without effects', () => {
    const state = new SplitState(splitBySize(keys(4), 2));
    expectSplit(state.assign('w1', 0));
    expect(state.complete('w1', '9', [], 1)).toMatchObject({ type: 'rejected', reason: 'unknown split 9' });
    expect(state.complete('w2', '0', ok(['img/0.jpg', 'img/1.jpg']), 1)).toMatchObject({
      type: 'rejected',
      reason: 'worker w2 was not assigned split 0',
      effects: { requeued: [], failed: [] },
    });
    expect(state.checkInvariants()).toEqual([]);
  });

  it('drops a second result for a split already done', () => {
    const state = new SplitState(splitBySize(keys(2), 2));
    const a = expectSplit(state.assign('w1', 0));
    expect(state.complete('w1', '0', ok(a.keys, 'first'), 1).type).toBe('accepted');
    expect(state.complete('w1', '0', ok(a.keys, 'again'), 2).type).toBe('duplicate');
    expect(state.result('0')?.results[0]?.top?.[0]?.label).toBe('first');
  });
});

describe('SplitState: failures and retries', () => {
  it('puts a failed worker’s split at the front of the queue', () => {
    const state = new SplitState(splitBySize(keys(8), 2));
    expectSplit(state.assign('w1', 0));
    const effects = state.workerFailed('w1', 10, 'exited with code 1');
    expect(effects).toEqual({ requeued: ['0'], failed: [] });
    const retry = expectSplit(state.assign('w2', 11));
    expect([retry.splitId, retry.kind, retry.attempt]).toEqual(['0', 'retry', 1]);
    expect(state.records()[0]?.attempts[0]).toMatchObject({
      outcome: 'failed',
      workerId: 'w1',
      endedAt: 10,
      reason: 'worker w1: exited with code 1',
    });
  });

  it('after maxSplitRetries, gives every input of the split an error that says why', () => {
    const state = new SplitState(splitBySize(keys(3), 3), { maxSplitRetries: 1 });
    expectSplit(state.assign('w1', 0));
    state.workerFailed('w1', 1, 'exited with code 1');
    expectSplit(state.assign('w3', 2));
    const effects = state.workerFailed('w3', 3, 'timed out');
    expect(effects.requeued).toEqual([]);
    const failed = effects.failed[0];
    expect(failed?.error).toBe(
      'split 0 failed 2 times: attempt 0: worker w1: exited with code 1; attempt 0_1: worker w3: timed out',
    );
    expect(failed?.results).toEqual(keys(3).map((key) => ({ key, top: null, error: failed?.error })));
    expect(state.isFinished()).toBe(true);
    expect(state.progress().failedSplits).toBe(1);
    expect(state.assign('w4', 4)).toEqual({ type: 'stop' });
  });

  it('with maxSplitRetries 0, a single failure fails the split', () => {
    const state = new SplitState(splitBySize(keys(2), 1), { maxSplitRetries: 0 });
    expectSplit(state.assign('w1', 0));
    expect(state.workerFailed('w1', 1, 'boom').failed).toHaveLength(1);
    expect(state.progress()).toMatchObject({ doneSplits: 1, failedSplits: 1, queued: 1 });
  });

  it('expires only workers silent for longer than the timeout, and accepts their late result if still useful', () => {
    const state = new SplitState(splitBySize(keys(4), 2), { maxSplitRetries: 2 });
    const a = expectSplit(state.assign('quiet', 0));
    expectSplit(state.assign('chatty', 0));
    state.heartbeat('chatty', 9_000);
    expect(state.expireSilentWorkers(10_000, 10_000)).toEqual([]);
    const expired = state.expireSilentWorkers(10_001, 10_000);
    expect(expired.map((e) => [e.workerId, e.effects.requeued])).toEqual([['quiet', ['0']]]);
    expect(state.worker('quiet')?.status).toBe('silent');
    const retry = expectSplit(state.assign('spare', 10_002));
    expect(retry.splitId).toBe('0');
    // The silent worker was only slow: its result wins, and the retry is superseded.
    const late = state.complete('quiet', '0', ok(a.keys), 10_500);
    expect(late).toMatchObject({
      type: 'accepted',
      superseded: [{ splitId: '0', attempt: 1, workerId: 'spare' }],
    });
    expect(state.complete('spare', '0', ok(retry.keys), 11_000).type).toBe('duplicate');
    expect(state.records()[0]?.attempts.map((x) => x.outcome)).toEqual(['won', 'lost']);
    expect(state.checkInvariants()).toEqual([]);
  });

  it('does not expire workers that were told to stop', () => {
    const state = new SplitState(splitBySize(keys(1), 1));
    const a = expectSplit(state.assign('w1', 0));
    state.complete('w1', a.splitId, ok(a.keys), 1);
    expect(state.assign('w1', 1).type).toBe('stop');
    expect(state.expireSilentWorkers(1e9, 1)).toEqual([]);
  });
});

describe('SplitState: speculative copies', () => {
  it('a copy that wins drops the late result of the original', () => {
    const state = new SplitState(splitBySize(keys(4), 2), { maxSplitRetries: 1 });
    const original = expectSplit(state.assign('slow', 0));
    expect(state.addCopy('0')).toBe(true);
    expect(state.addCopy('0')).toBe(false); // one queued at a time, and max 1 copy
    expect(state.assign('slow', 1).type === 'split' && true).toBe(true); // slow gets split 1, never its own copy
    const copy = expectSplit(state.assign('fast', 1));
    expect([copy.splitId, copy.kind, copy.attempt]).toEqual(['0', 'copy', 1]);
    const won = state.complete('fast', '0', ok(copy.keys, 'copy'), 5);
    expect(won).toMatchObject({
      type: 'accepted',
      superseded: [{ splitId: '0', attempt: 0, workerId: 'slow' }],
    });
    expect(state.complete('slow', '0', ok(original.keys, 'original'), 50, 0).type).toBe('duplicate');
    expect(state.result('0')?.results[0]?.top?.[0]?.label).toBe('copy');
    expect(state.records()[0]).toMatchObject({
      winner: 1,
      attempts: [
        { label: '0', kind: 'first', outcome: 'lost', endedAt: 50 },
        { label: '0_1', kind: 'copy', outcome: 'won', workerId: 'fast' },
      ],
    });
  });

  it('when the original wins first, its queued copy is withdrawn', () => {
    const state = new SplitState(splitBySize(keys(2), 2));
    const a = expectSplit(state.assign('w1', 0));
    state.addCopy('0');
    expect(state.progress().queued).toBe(1);
    state.complete('w1', '0', ok(a.keys), 3);
    expect(state.progress().queued).toBe(0);
    expect(state.assign('w2', 4)).toEqual({ type: 'stop' });
  });

  it('a failing original does not requeue while its copy still runs', () => {
    const state = new SplitState(splitBySize(keys(2), 2), { maxSplitRetries: 1 });
    expectSplit(state.assign('w1', 0));
    state.addCopy('0');
    const copy = expectSplit(state.assign('w2', 1));
    expect(state.workerFailed('w1', 2, 'crashed')).toEqual({ requeued: [], failed: [] });
    expect(state.complete('w2', '0', ok(copy.keys), 3).type).toBe('accepted');
    expect(state.isFinished()).toBe(true);
  });

  it('refuses copies of splits that are not running or done', () => {
    const state = new SplitState(splitBySize(keys(4), 2));
    expect(state.addCopy('0')).toBe(false);
    expect(state.addCopy('nope')).toBe(false);
  });
});

describe('SplitState: every input exactly once under random interleavings', () => {
  for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
    it(`seed ${seed}`, () => {
      const rng = new Random(seed);
      const inputs = keys(rng.int(1, 200));
      const state = new SplitState(splitBySize(inputs, rng.int(1, 9)), {
        maxSplitRetries: rng.int(0, 3),
        idleWorkers: rng.next() < 0.5 ? 'stop' : 'wait',
      });
      const held = new Map<string, Array<{ splitId: string; attempt: number; keys: readonly string[] }>>();
      const workers = Array.from({ length: rng.int(1, 12) }, (_, i) => `w${i}`);
      const accepted = new Map<string, string>();
      let now = 0;
      for (let step = 0; step < 3000 && !state.isFinished(); step++) {
        now += rng.int(0, 50);
        const w = rng.pick(workers);
        const mine = held.get(w) ?? [];
        const roll = rng.next();
        if (roll < 0.35) {
          const a = state.assign(w, now);
          if (a.type === 'split') held.set(w, [...mine, a]);
        } else if (roll < 0.7 && mine.length > 0) {
          const job = mine[rng.int(0, mine.length - 1)] as (typeof mine)[number];
          const invalid = rng.next() < 0.05;
          const results = invalid ? ok(job.keys, w).slice(1) : ok(job.keys, `${w}:${job.attempt}`);
          const out = state.complete(w, job.splitId, results, now, job.attempt);
          if (out.type === 'accepted') accepted.set(job.splitId, `${w}:${job.attempt}`);
          if (rng.next() < 0.8)
            held.set(
              w,
              mine.filter((m) => m !== job),
            );
        } else if (roll < 0.78) {
          state.workerFailed(w, now, 'injected');
          held.delete(w);
        } else if (roll < 0.85) {
          state.expireSilentWorkers(now, rng.int(10, 400));
        } else if (roll < 0.93) {
          const running = state.runningAttempts();
          if (running.length > 0) state.addCopy(rng.pick(running).splitId);
        } else {
          state.heartbeat(w, now);
        }
        expect(state.checkInvariants()).toEqual([]);
      }
      // Healthy workers drain whatever is left.
      for (let round = 0; !state.isFinished() && round < 10_000; round++) {
        now += 1;
        const w = `drain${round % 3}`;
        if ((state.worker(w)?.running.length ?? 0) > 0) state.workerFailed(w, now, 'stale');
        const a = state.assign(w, now);
        if (a.type === 'split') {
          const out = state.complete(w, a.splitId, ok(a.keys, `${w}:${a.attempt}`), now + 1, a.attempt);
          if (out.type === 'accepted') accepted.set(a.splitId, `${w}:${a.attempt}`);
        } else {
          for (const r of state.runningAttempts()) state.workerFailed(r.workerId, now, 'gone');
        }
      }
      expect(state.isFinished()).toBe(true);
      expect(state.checkInvariants()).toEqual([]);
      const all = state.records().flatMap((r) => state.result(r.splitId)?.results ?? []);
      expect(all.map((r) => r.key)).toEqual(inputs);
      for (const record of state.records()) {
        const results = state.result(record.splitId)?.results ?? [];
        if (record.failed) {
          expect(results.every((r) => r.error?.startsWith(`split ${record.splitId} failed`))).toBe(true);
          expect(record.attempts.filter((a) => a.outcome === 'won')).toEqual([]);
        } else {
          expect(results[0]?.top?.[0]?.label).toBe(accepted.get(record.splitId));
          expect(record.attempts.filter((a) => a.outcome === 'won')).toHaveLength(1);
        }
      }
    });
  }
});

describe('SplitState: workers holding several splits', () => {
  it('a worker told to stop while it still holds splits stays watched for silence', () => {
    const state = new SplitState(splitBySize(keys(4), 2));
    expectSplit(state.assign('w1', 0));
    expectSplit(state.assign('w1', 0));
    expect(state.assign('w1', 0)).toEqual({ type: 'stop' });
    expect(state.worker('w1')?.status).toBe('active');
    expect(state.expireSilentWorkers(100, 50).map((e) => e.effects.requeued)).toEqual([['0', '1']]);
  });
});
