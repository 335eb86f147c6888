import { describe, expect, it } from 'vitest';
import { createSteadyClock, steadyClock, steadyNow, type SteadyClockSources } from './steady-clock.js';

/** A wall clock and a monotonic clock that the test sets by hand. */
function handClocks(wallMs: number, monotonicMs = 500): SteadyClockSources & { wall: number; mono: number } {
  const clocks = {
    wall: wallMs,
    mono: monotonicMs,
    wallNow: () => clocks.wall,
    monotonicNow: () => clocks.mono,
  };
  return clocks;
}

const START = Date.UTC(2026, 0, 15, 12, 0, 0);
const HOUR_MS = 3_600_000;

describe('createSteadyClock', () => {
  it('starts at the wall time and then follows the monotonic clock', () => {
    const sources = handClocks(START);
    const clock = createSteadyClock(sources);
    expect(clock.now()).toBe(START);
    sources.mono += 1_250;
    sources.wall += 1_250;
    expect(clock.now()).toBe(START + 1_250);
  });

  it('does not go backwards when the wall clock steps back, and its intervals stay the monotonic ones', () => {
    const sources = handClocks(START);
    const clock = createSteadyClock(sources);
    sources.mono += 10_000;
    const before = clock.now();
    sources.wall -= HOUR_MS; // a backward step of an hour
    sources.mono += 2_000;
    const after = clock.now();
    expect(after).toBe(before + 2_000);
    expect(after).toBe(START + 12_000);
  });

  it('does not leap when the wall clock steps forward', () => {
    const sources = handClocks(START);
    const clock = createSteadyClock(sources);
    sources.mono += 5_000;
    const before = clock.now();
    sources.wall += HOUR_MS; // a forward step of an hour
    sources.mono += 3_000;
    expect(clock.now() - before).toBe(3_000);
  });

  it('never goes backwards over many steps either way, and gives whole milliseconds', () => {
    const sources = handClocks(START, 0);
    const clock = createSteadyClock(sources);
    let previous = clock.now();
    for (let i = 0; i < 200; i++) {
      sources.wall += (i % 3 === 0 ? -1 : 1) * (i * 7_919);
      sources.mono += (i % 5) * 0.37;
      const now = clock.now();
      expect(Number.isInteger(now)).toBe(true);
      expect(now).toBeGreaterThanOrEqual(previous);
      expect(now - START).toBeCloseTo(sources.mono, -1);
      previous = now;
    }
  });

  it('holds still rather than go back when a monotonic source reads below its origin', () => {
    const sources = handClocks(START, 1_000);
    const clock = createSteadyClock(sources);
    sources.mono += 40;
    expect(clock.now()).toBe(START + 40);
    sources.mono = 900;
    expect(clock.now()).toBe(START + 40);
  });
});

describe('steadyClock', () => {
  it('is one clock for the process: steadyNow reads it and never goes backwards', () => {
    const readings = Array.from({ length: 1_000 }, (_, i) => (i % 2 === 0 ? steadyNow() : steadyClock.now()));
    for (let i = 1; i < readings.length; i++) expect(readings[i]!).toBeGreaterThanOrEqual(readings[i - 1]!);
    expect(Number.isInteger(readings[0])).toBe(true);
  });
});
