/** The dispatch core of static jobs (one invocation per chunk), and its events. */
import { describe, expect, it } from 'vitest';
import { core, keys, ok, types } from '../../test/support/dispatch-core.js';

describe('DispatchCore: static jobs', () => {
  it('invokes one worker per chunk with its split; a failed chunk is tried again by a new invocation', () => {
    const { core: c, take } = core(4, 2, {
      mode: 'static',
      faultsFor: (id, attempt) => (attempt > 0 ? { delayMsPerSplit: 7 } : undefined),
    });
    c.start(0);
    const [invoke] = take();
    expect(invoke).toMatchObject({
      type: 'invoke',
      reason: 'planned',
      workers: [
        { workerId: 'w0', split: { splitId: '0', attempt: 0, kind: 'first', keys: keys(2) } },
        { workerId: 'w1', split: { splitId: '1', attempt: 0 } },
      ],
    });
    c.invocationEnded('w0', { ok: true, returned: [{ splitId: '0', results: ok(keys(2)) }] }, 10);
    expect(take()).toMatchObject([{ type: 'splitDone', workerId: 'w0', split: { splitId: '0' } }]);
    c.invocationEnded('w1', { ok: false, error: 'crashed', retryable: true, retryAfterMs: 300 }, 20);
    expect(types(take())).toEqual(['workerLost']);
    expect(c.nextTickAt()).toBe(500);
    c.tick(500);
    expect(take()).toEqual([
      {
        type: 'invoke',
        reason: 'retry',
        workers: [
          {
            workerId: 'w2',
            faults: { delayMsPerSplit: 7 },
            split: { splitId: '1', attempt: 1, kind: 'retry', keys: keys(4).slice(2) },
          },
        ],
      },
    ]);
    c.invocationEnded('w2', { ok: true, returned: [{ splitId: '1', results: ok(keys(4).slice(2)) }] }, 600);
    expect(types(take())).toEqual(['splitDone', 'finished']);
    expect(c.counts()).toEqual({
      invoked: { planned: 2, copy: 0, starved: 0, replacement: 0, retry: 1 },
      failedInvocations: 1,
      retries: 1,
      copies: 0,
      inputRetries: 0,
    });
  });

  it('treats results that do not match the chunk as a failed attempt', () => {
    const { core: c, take } = core(2, 2, { mode: 'static', maxSplitRetries: 0 });
    c.start(0);
    take();
    c.invocationEnded('w0', { ok: true, returned: [] }, 5);
    expect(take()).toMatchObject([
      {
        type: 'splitDone',
        workerId: null,
        split: { error: expect.stringMatching(/0 results for 2 inputs/) },
      },
      { type: 'finished' },
    ]);
  });
});

describe('DispatchCore: events', () => {
  it('reports every event to its observers, and decisions of nested events in order', () => {
    const { core: c, pull } = core(2, 2, { plannedWorkers: 1 });
    const events: string[] = [];
    c.onEvent((e) => events.push(`${e.type}@${e.at}`));
    c.onDecision((d) => {
      if (d.type === 'finished') c.heartbeat('w0', 9); // a listener may feed the core
    });
    c.start(0);
    const a = pull('w0', 1).splits[0];
    pull('w0', 2, a);
    expect(events).toEqual(['start@0', 'pull@1', 'pull@2', 'heartbeat@9']);
  });
});
