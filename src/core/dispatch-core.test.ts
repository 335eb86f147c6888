/** The dispatch core of dynamic jobs: pulls, retries, timeouts, parked pulls and speculation. */
import { describe, expect, it } from 'vitest';
import { core, types } from '../../test/support/dispatch-core.js';

describe('DispatchCore: dynamic jobs', () => {
  it('invokes the planned workers, serves their pulls, and stops the ones that never came', () => {
    const {
      core: c,
      take,
      pull,
    } = core(6, 2, {
      plannedWorkers: 3,
      faultsFor: (id) => (id === 'w1' ? { delayMsPerSplit: 50 } : undefined),
    });
    c.start(0);
    expect(take()).toEqual([
      {
        type: 'invoke',
        reason: 'planned',
        workers: [
          { workerId: 'w0' },
          { workerId: 'w1', faults: { delayMsPerSplit: 50 } },
          { workerId: 'w2' },
        ],
      },
    ]);
    const a = pull('w0', 10).splits[0];
    const b = pull('w1', 10).splits[0];
    expect([a?.splitId, b?.splitId, a?.kind]).toEqual(['0', '1', 'first']);
    const c2 = pull('w0', 20, a).splits[0];
    expect(types(take())).toEqual(['splitDone']);
    expect(pull('w1', 30, b)).toMatchObject({ statuses: [{ splitId: '1', status: 'accepted' }], splits: [] });
    take();
    pull('w0', 40, c2);
    // w2 never reached the dispatcher: it is stopped at once; w0 and w1 have been told to stop.
    expect(take().slice(1)).toEqual([
      { type: 'finished' },
      {
        type: 'stopInvocations',
        workerIds: ['w2'],
        reason: 'every split was done before it reached the dispatcher',
      },
    ]);
    expect(c.wasStopped('w2')).toBe(true);
    c.invocationEnded('w0', { ok: true }, 41);
    c.invocationEnded('w2', { ok: false, error: 'aborted', retryable: true }, 42);
    expect(take()).toEqual([]);
    expect(c.counts()).toMatchObject({ failedInvocations: 0, retries: 0, copies: 0 });
    // w1 does not return: it is stopped once the grace time is over, on the tick grid.
    expect(c.nextTickAt()).toBe(5_250);
    c.tick(5_250);
    expect(take()).toEqual([
      {
        type: 'stopInvocations',
        workerIds: ['w1'],
        reason: 'it had not returned 5 s after every split was done',
      },
    ]);
    expect(c.nextTickAt()).toBeNull();
  });

  it('retries the split of a failed invocation on a running worker, then replaces the last worker', () => {
    const { core: c, take, pull } = core(6, 2, { plannedWorkers: 2 });
    c.start(0);
    take();
    const a = pull('w0', 1).splits[0];
    const b = pull('w1', 1).splits[0];
    c.invocationEnded('w0', { ok: false, error: 'killed', retryable: true }, 5);
    expect(take()).toEqual([
      {
        type: 'workerLost',
        event: { workerId: 'w0', kind: 'failed', reason: 'killed', requeued: [a?.splitId], failed: [] },
      },
    ]);
    // The retry goes first, to the worker still running.
    expect(pull('w1', 6, b).splits[0]).toMatchObject({ splitId: '0', kind: 'retry', attempt: 1 });
    expect(types(take())).toEqual(['splitDone']);
    c.invocationEnded('w1', { ok: false, error: 'killed too', retryable: true }, 7);
    const lost = take();
    expect(types(lost)).toEqual(['workerLost', 'splitDone', 'invoke']);
    // Split 0 failed twice (maxSplitRetries 1): done with errors; split 2 is still to do.
    expect(lost[0]).toMatchObject({ event: { workerId: 'w1', failed: ['0'], requeued: [] } });
    expect(lost[1]).toMatchObject({ workerId: null, split: { splitId: '0', winner: null } });
    expect(lost[2]).toEqual({ type: 'invoke', reason: 'replacement', workers: [{ workerId: 'w2' }] });
    expect(c.counts()).toMatchObject({ failedInvocations: 2, retries: 1 });
  });

  it('writes a split that ran out of retries with an error per input', () => {
    const { core: c, take, pull } = core(2, 2, { plannedWorkers: 1, maxSplitRetries: 0 });
    c.start(0);
    take();
    pull('w0', 1);
    c.streamClosed('w0', 'connection lost', 2);
    const done = take().find((d) => d.type === 'splitDone');
    expect(done).toMatchObject({
      workerId: null,
      split: { splitId: '0', winner: null, error: expect.stringMatching(/^split 0 failed 1 times/) },
    });
    expect(done?.type === 'splitDone' && done.split.results.every((r) => r.top === null)).toBe(true);
  });

  it('stops the job when invocations keep failing without finishing a split', () => {
    const { core: c, take } = core(8, 2, { plannedWorkers: 1 });
    c.start(0);
    for (let i = 0; i < 3; i++) {
      expect(take()).toMatchObject([{ type: 'invoke', workers: [{ workerId: `w${i}` }] }]);
      c.invocationEnded(`w${i}`, { ok: false, error: `no memory ${i}`, retryable: true }, i + 1);
    }
    expect(take()).toEqual([
      {
        type: 'stopJob',
        reason:
          'no worker could finish a split: 3 invocations in a row failed without finishing a split (last: no memory 2)',
        gaveUp: '3 invocations in a row failed without finishing a split (last: no memory 2)',
      },
    ]);
    expect(c.stopReason).toMatch(/^no worker could finish a split/);
  });

  it('stops the job on an error no retry can fix, and invokes nobody after', () => {
    const { core: c, take, pull } = core(4, 2, { plannedWorkers: 1 });
    c.start(0);
    take();
    pull('w0', 1);
    c.invocationEnded('w0', { ok: false, error: 'bad payload', retryable: false }, 2);
    expect(types(take())).toEqual(['stopJob', 'workerLost']);
  });

  it('waits out a throttling delay before it invokes a replacement, on the tick grid', () => {
    const { core: c, take } = core(4, 2, { plannedWorkers: 1 });
    c.start(1_000);
    take();
    c.invocationEnded('w0', { ok: false, error: 'throttled', retryable: true, retryAfterMs: 600 }, 1_100);
    expect(take()).toEqual([]);
    expect(c.nextTickAt()).toBe(1_750);
    c.tick(1_500);
    expect(take()).toEqual([]);
    c.tick(1_750);
    expect(take()).toMatchObject([{ type: 'invoke', reason: 'replacement', workers: [{ workerId: 'w1' }] }]);
  });

  it('gives up a silent worker at the first tick after its timeout', () => {
    const { core: c, take, pull } = core(4, 2, { plannedWorkers: 2, workerSilentTimeoutMs: 1_000 });
    c.start(0);
    take();
    pull('w0', 100);
    pull('w1', 100);
    c.heartbeat('w1', 1_000);
    expect(c.nextTickAt()).toBe(1_250); // w0: silent for more than 1 s after 1_100
    c.tick(1_250);
    expect(take()).toEqual([
      {
        type: 'workerLost',
        event: {
          workerId: 'w0',
          kind: 'silent',
          reason: 'no heartbeat for 1150 ms',
          requeued: ['0'],
          failed: [],
        },
      },
    ]);
  });

  it('answers parked pulls when work appears and stops them at the end', () => {
    const { core: c, take, pull } = core(2, 2, { idleWorkers: 'wait' });
    c.start(0);
    const a = pull('w0', 1).splits[0];
    expect(pull('w1', 1)).toEqual({ statuses: [], splits: [], wait: true });
    c.streamClosed('w0', 'gone', 2);
    expect(take()).toEqual([
      expect.objectContaining({ type: 'workerLost' }),
      {
        type: 'answer',
        workerId: 'w1',
        splits: [{ splitId: '0', attempt: 1, kind: 'retry', keys: a?.keys }],
      },
    ]);
    expect(pull('w2', 3)).toMatchObject({ wait: true });
    pull('w1', 4, a);
    expect(take().slice(1)).toEqual([{ type: 'finished' }, { type: 'answer', workerId: 'w2', splits: [] }]);
  });
});

describe('DispatchCore: speculation', () => {
  it('copies a straggler at the grid ticks after the gate opens, invokes one extra worker, cancels the loser', () => {
    const speculation = {
      quantile: 0.5,
      multiplier: 2,
      maxSplitRetries: 1,
      maxExtraWorkers: 1,
      intervalMs: 500,
    };
    const { core: c, take, pull } = core(4, 1, { plannedWorkers: 2, speculation });
    c.start(0);
    take();
    const slow = pull('w0', 0).splits[0];
    let fast = pull('w1', 0).splits[0];
    expect(c.nextTickAt()).toBeNull(); // nothing done yet: no tick can copy anything
    fast = pull('w1', 100, fast).splits[0];
    fast = pull('w1', 150, fast).splits[0];
    expect(pull('w1', 200, fast).splits).toEqual([]); // 3 of 4 done; nothing left to take
    expect(c.nextTickAt()).toBe(250);
    take();
    c.tick(250);
    expect(take()).toEqual([
      {
        type: 'copy',
        copy: { splitId: slow?.splitId, attempt: 0, workerId: 'w0', runningForMs: 250, copyNumber: 1 },
      },
      { type: 'invoke', reason: 'copy', workers: [{ workerId: 'w2' }] },
    ]);
    expect(c.nextTickAt()).toBe(750);
    const copy = pull('w2', 300).splits[0];
    expect(copy).toMatchObject({ splitId: slow?.splitId, kind: 'copy', attempt: 1 });
    pull('w2', 400, copy);
    expect(take()).toEqual([
      expect.objectContaining({ type: 'splitDone', workerId: 'w2' }),
      {
        type: 'cancel',
        attempt: { splitId: slow?.splitId, attempt: 0, workerId: 'w0' },
        reason: 'another attempt of this split finished first',
      },
      { type: 'finished' },
    ]);
    expect(c.counts()).toMatchObject({ copies: 1, retries: 0, invoked: { planned: 2, copy: 1 } });
  });
});
