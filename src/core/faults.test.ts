import { describe, expect, it } from 'vitest';
import {
  countForPercent,
  FaultInjector,
  pickPercent,
  readErrorFaultOf,
  readErrorInjected,
} from './faults.js';

const policy = { failPercent: 20, delayPercent: 10, delayMaxMs: 5000, seed: 7 };
const ids = (n: number, from = 0): string[] => Array.from({ length: n }, (_, i) => `w${from + i}`);

describe('fault injection', () => {
  it('picks exactly round(count x percent / 100) items, reproducibly from the seed', () => {
    expect(countForPercent(16, 10)).toBe(2);
    expect(countForPercent(5, 20)).toBe(1);
    expect(countForPercent(3, 100)).toBe(3);
    expect(countForPercent(3, 0)).toBe(0);
    const a = pickPercent(50, 20, 1);
    expect(a.size).toBe(10);
    expect([...a].every((i) => i >= 0 && i < 50)).toBe(true);
    expect(pickPercent(50, 20, 1)).toEqual(a);
    const seeds = [2, 3, 4, 5].map((s) => [...pickPercent(50, 20, s)].sort().join());
    expect(new Set(seeds).size).toBeGreaterThan(1);
  });

  it('gives the planned workers exact counts of each fault and delays in (0, max]', () => {
    const injector = new FaultInjector(policy, 20);
    const faults = ids(20).map((id) => injector.faultsFor(id));
    expect(faults.filter((f) => f?.failAfterFirstSplit).length).toBe(4);
    const delays = faults.flatMap((f) => (f?.delayMsPerSplit !== undefined ? [f.delayMsPerSplit] : []));
    expect(delays.length).toBe(2);
    for (const d of delays) {
      expect(d).toBeGreaterThan(0);
      expect(d).toBeLessThanOrEqual(5000);
    }
    expect(injector.decisions().every((d) => d.planned)).toBe(true);
    expect(injector.decisions().length).toBe(faults.filter((f) => f !== undefined).length);
  });

  it('answers the same for the same worker and the same run for the same seed', () => {
    const a = new FaultInjector(policy, 10);
    const b = new FaultInjector(policy, 10);
    const first = ids(30).map((id) => a.faultsFor(id));
    expect(ids(30).map((id) => b.faultsFor(id))).toEqual(first);
    expect(a.faultsFor('w3')).toEqual(first[3]);
    const other = new FaultInjector({ ...policy, seed: 8 }, 10);
    expect(ids(30).map((id) => other.faultsFor(id))).not.toEqual(first);
  });

  it('draws the faults of workers started after the planned ones at the same rate', () => {
    const injector = new FaultInjector({ failPercent: 30, delayPercent: 0, delayMaxMs: 0, seed: 3 }, 2);
    const late = ids(2000)
      .map((id) => injector.faultsFor(id))
      .slice(2);
    const rate = late.filter((f) => f?.failAfterFirstSplit).length / late.length;
    expect(rate).toBeGreaterThan(0.25);
    expect(rate).toBeLessThan(0.35);
    expect(late.some((f) => f?.delayMsPerSplit !== undefined)).toBe(false);
  });

  it('injects nothing at 0 % and everything at 100 %', () => {
    const none = new FaultInjector({ failPercent: 0, delayPercent: 0, delayMaxMs: 1000, seed: 1 }, 4);
    expect(ids(8).map((id) => none.faultsFor(id))).toEqual(new Array(8).fill(undefined));
    const all = new FaultInjector({ failPercent: 100, delayPercent: 100, delayMaxMs: 1000, seed: 1 }, 4);
    for (const f of ids(8).map((id) => all.faultsFor(id))) {
      expect(f?.failAfterFirstSplit).toBe(true);
      expect(f?.delayMsPerSplit).toBeGreaterThan(0);
    }
  });

  it('refuses percentages outside 0..100', () => {
    expect(() => new FaultInjector({ ...policy, failPercent: 101 }, 1)).toThrow(/failPercent/);
    expect(() => new FaultInjector({ ...policy, delayPercent: -1 }, 1)).toThrow(/delayPercent/);
  });
  it('refuses a read-error percentage outside 0..100', () => {
    expect(() => new FaultInjector({ ...policy, readErrorPercent: 100.5 }, 1)).toThrow(/readErrorPercent/);
    expect(() => new FaultInjector({ ...policy, readErrorPercent: Number.NaN }, 1)).toThrow(
      /readErrorPercent/,
    );
  });
});

describe('read-error fault', () => {
  const keys = Array.from({ length: 20_000 }, (_, i) => `images/${String(i).padStart(5, '0')}.jpg`);
  const share = (percent: number, seed: number, attempt: number): number =>
    keys.filter((k) => readErrorInjected({ percent, seed }, k, attempt)).length / keys.length;

  it('fails about the share asked for, on each attempt (within 1.5 points of 20 000 draws)', () => {
    for (const percent of [1, 10, 50, 90])
      for (const attempt of [0, 1, 5]) {
        const got = share(percent, 7, attempt) * 100;
        expect(got, `${percent} % on attempt ${attempt}`).toBeGreaterThan(percent - 1.5);
        expect(got, `${percent} % on attempt ${attempt}`).toBeLessThan(percent + 1.5);
      }
  });

  it('never fails at 0 % and always at 100 %', () => {
    expect(share(0, 1, 0)).toBe(0);
    expect(share(100, 1, 3)).toBe(1);
    expect(readErrorInjected({ percent: 100, seed: 9 }, '', 0)).toBe(true);
  });

  it('answers the same for the same seed, key and attempt; another seed or attempt draws again', () => {
    const fault = { percent: 30, seed: 11 };
    const first = keys.map((k) => readErrorInjected(fault, k, 0));
    expect(keys.map((k) => readErrorInjected({ ...fault }, k, 0))).toEqual(first);
    const otherSeed = keys.map((k) => readErrorInjected({ ...fault, seed: 12 }, k, 0));
    const retried = keys.map((k) => readErrorInjected(fault, k, 1));
    // Independent draws: both fail about 30 % x 30 % = 9 % of the time, not 30 %.
    for (const other of [otherSeed, retried]) {
      const both = first.filter((f, i) => f && other[i]).length / keys.length;
      expect(both).toBeGreaterThan(0.075);
      expect(both).toBeLessThan(0.105);
    }
  });

  it("is sent to every worker, planned or started later, with the policy's seed", () => {
    const injector = new FaultInjector(
      { failPercent: 0, delayPercent: 0, delayMaxMs: 0, readErrorPercent: 25, seed: 4 },
      2,
    );
    for (const id of ids(5)) expect(injector.faultsFor(id)).toEqual({ readErrors: { percent: 25, seed: 4 } });
    expect(injector.decisions().map((d) => [d.workerId, d.planned])).toEqual([
      ['w0', true],
      ['w1', true],
      ['w2', false],
      ['w3', false],
      ['w4', false],
    ]);
    expect(readErrorFaultOf({ ...policy, readErrorPercent: 0 })).toBeUndefined();
    expect(readErrorFaultOf(policy)).toBeUndefined();
    expect(new FaultInjector(policy, 3).faultsFor('w0')?.readErrors).toBeUndefined();
  });
});
