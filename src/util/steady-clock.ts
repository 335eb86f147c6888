/**
 * The time source of job and dispatch timing: epoch milliseconds that never step. It reads the
 * wall clock once, when it starts, and adds the monotonic time elapsed since, so its times look
 * like wall times (records carry them as dates) while a step of the wall clock during a job (an
 * NTP correction, a user setting the time) moves none of its intervals: heartbeat timeouts,
 * speculation, invocation timeouts and billed durations follow real elapsed time.
 *
 * Its times drift from an NTP-corrected wall clock only as fast as the machine's oscillator
 * does (parts per million: well under a second over hours), and lag it by any time the machine
 * was suspended (the monotonic clock stands still then). Where a time must be compared with
 * another process's or a file's (a certificate's validity, a lock's age, a file's mtime), or
 * shown as a date on its own, the wall clock (`Date.now`) is the one to read.
 */

/** A source of "now" in epoch milliseconds; tests and the simulator pass their own. */
export interface Clock {
  now(): number;
}

/** What a steady clock reads: the wall clock, once, and a monotonic clock. */
export interface SteadyClockSources {
  /** Epoch ms now, as the wall clock says (it may step either way). */
  wallNow(): number;
  /** Ms from any fixed origin; never goes backwards. */
  monotonicNow(): number;
}

/** The process's own clocks: `Date.now` and `performance.now`. */
const processClockSources: SteadyClockSources = {
  wallNow: () => Date.now(),
  monotonicNow: () => performance.now(),
};

/**
 * A clock whose epoch ms are the wall time when it was made plus the monotonic time elapsed
 * since, in whole milliseconds. It never goes backwards, whatever the wall clock does later.
 */
export function createSteadyClock(sources: SteadyClockSources = processClockSources): Clock {
  const wallOrigin = sources.wallNow();
  const monotonicOrigin = sources.monotonicNow();
  let last = -Infinity;
  return {
    now: () => {
      const elapsed = Math.max(0, sources.monotonicNow() - monotonicOrigin);
      last = Math.max(last, Math.floor(wallOrigin + elapsed));
      return last;
    },
  };
}

/** This process's steady clock: one origin for every part of it that times a job. */
export const steadyClock: Clock = createSteadyClock();

/** {@link steadyClock}'s `now`, as a plain function (a default for a `now: () => number` seam). */
export const steadyNow = (): number => steadyClock.now();
