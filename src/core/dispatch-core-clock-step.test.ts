/**
 * A wall-clock step in the middle of a dynamic job: the core reads its times from the job's
 * clock, and with the steady clock (the default) a step of the wall clock moves none of them.
 */
import { describe, expect, it } from 'vitest';
import { core, types } from '../../test/support/dispatch-core.js';
import { createSteadyClock, type Clock, type SteadyClockSources } from '../util/steady-clock.js';
import type { DispatchDecision } from './dispatch-core.js';

const HOUR_MS = 3_600_000;
const SILENT_TIMEOUT_MS = 30_000;
const HEARTBEAT_EVERY_MS = 5_000;

/** A wall clock and a monotonic clock that the test moves by hand. */
function handClocks(): SteadyClockSources & { wall: number; mono: number } {
  const clocks = {
    wall: Date.UTC(2026, 0, 15, 12, 0, 0),
    mono: 1_000,
    wallNow: () => clocks.wall,
    monotonicNow: () => clocks.mono,
  };
  return clocks;
}

/**
 * Two workers run twelve splits, 20 s a split, sending a heartbeat every 5 s; in the second
 * split's second half the wall clock steps by `stepMs`. The core is ticked before every round of
 * heartbeats, by `clockOf`'s clock; `silentAfterStep` names a worker that is not heard from after
 * the step. Returns every decision.
 */
function runWithWallStep(
  stepMs: number,
  clockOf: (sources: SteadyClockSources) => Clock,
  options: { silentAfterStep?: string } = {},
): DispatchDecision[] {
  const sources = handClocks();
  const clock = clockOf(sources);
  const job = core(24, 2, { plannedWorkers: 2, workerSilentTimeoutMs: SILENT_TIMEOUT_MS });
  const decisions: DispatchDecision[] = [];
  const take = (): void => void decisions.push(...job.take());
  const elapse = (ms: number): void => {
    sources.mono += ms;
    sources.wall += ms;
  };
  job.core.start(clock.now());
  take();
  const workers = ['w0', 'w1'];
  let stepped = false;
  const talking = (w: string): boolean => !(stepped && w === options.silentAfterStep);
  const held = new Map(workers.map((w) => [w, job.pull(w, clock.now()).splits[0]]));
  for (let round = 0; workers.some((w) => talking(w) && held.get(w)); round++) {
    for (let t = 0; t < 20_000; t += HEARTBEAT_EVERY_MS) {
      elapse(HEARTBEAT_EVERY_MS);
      if (round === 1 && t === 10_000) {
        sources.wall += stepMs;
        stepped = true;
      }
      // The core's timer ticks before the workers' next heartbeats arrive.
      job.core.tick(clock.now());
      for (const w of workers.filter(talking)) job.core.heartbeat(w, clock.now());
      take();
    }
    for (const w of workers.filter(talking)) {
      const split = held.get(w);
      held.set(w, split ? job.pull(w, clock.now(), split).splits[0] : undefined);
      take();
    }
  }
  return decisions;
}

const steady = (sources: SteadyClockSources): Clock => createSteadyClock(sources);
const wall = (sources: SteadyClockSources): Clock => ({ now: () => sources.wallNow() });

describe('a dynamic job whose wall clock steps mid-job', () => {
  it('gives up no worker when the wall clock jumps forward by an hour, on the steady clock', () => {
    const decisions = runWithWallStep(HOUR_MS, steady);
    expect(types(decisions)).not.toContain('workerLost');
    expect(decisions.filter((d) => d.type === 'splitDone')).toHaveLength(12);
    expect(types(decisions)).toContain('finished');
  });

  it('gives up no worker when the wall clock steps back by an hour, on the steady clock', () => {
    const decisions = runWithWallStep(-HOUR_MS, steady);
    expect(types(decisions)).not.toContain('workerLost');
    expect(decisions.filter((d) => d.type === 'splitDone')).toHaveLength(12);
    expect(types(decisions)).toContain('finished');
  });

  it('still gives up a worker that falls silent after a backward step, on the steady clock', () => {
    const decisions = runWithWallStep(-HOUR_MS, steady, { silentAfterStep: 'w1' });
    const lost = decisions.flatMap((d) => (d.type === 'workerLost' ? [d.event] : []));
    expect(lost).toMatchObject([{ workerId: 'w1', kind: 'silent', requeued: [expect.any(String)] }]);
    // w0 ran the split w1 held, and the job ended.
    expect(decisions.filter((d) => d.type === 'splitDone')).toHaveLength(12);
    expect(types(decisions)).toContain('finished');
  });

  it('hid that silent worker when the core read the wall clock', () => {
    const decisions = runWithWallStep(-HOUR_MS, wall, { silentAfterStep: 'w1' });
    expect(types(decisions)).not.toContain('workerLost');
  });

  it('gave up every worker on the same forward jump when the core read the wall clock', () => {
    const lost = runWithWallStep(HOUR_MS, wall).flatMap((d) => (d.type === 'workerLost' ? [d.event] : []));
    expect(lost.map((e) => [e.workerId, e.kind])).toEqual([
      ['w0', 'silent'],
      ['w1', 'silent'],
    ]);
  });
});
