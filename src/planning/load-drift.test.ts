import { describe, expect, it } from 'vitest';
import type { MachineLoad } from './cpr-records.js';
import { loadDrift } from './load-drift.js';

const load = (otherBusyCores: number | null, loadAverage = 2): MachineLoad => ({
  loadAverage,
  cpuSeconds: 3,
  otherBusyCores,
});

describe('loadDrift', () => {
  it('finds no drift when the others kept as many cores busy in both phases', () => {
    const drift = loadDrift([load(0.2), load(0.4), load(0.3)], [load(0.5), load(0.1)], 2);
    expect(drift.sampling).toEqual({
      jobs: 3,
      medianLoadAverage: 2,
      medianOtherBusyCores: 0.3,
      otherBusyCoresRange: [0.2, 0.4],
    });
    expect(drift.runs.medianOtherBusyCores).toBeCloseTo(0.3);
    expect(drift.thresholdCores).toBe(0.5);
    expect(drift.drifted).toBe(false);
    expect(drift.warning).toBeNull();
  });

  it('warns when the runs met a quieter machine than the samples', () => {
    const drift = loadDrift([load(1.4), load(1.2), load(1.6)], [load(0.2), load(0.3)], 2);
    expect(drift.otherBusyCoresChange).toBeCloseTo(-1.15);
    expect(drift.drifted).toBe(true);
    expect(drift.warning).toMatch(/1\.40 cores busy during the samples and 0\.25 cores during the runs/);
    expect(drift.warning).toMatch(/a quieter machine/);
  });

  it('warns when the runs met a busier machine', () => {
    const drift = loadDrift([load(0)], [load(1)], 2);
    expect(drift.drifted).toBe(true);
    expect(drift.warning).toMatch(/a busier machine/);
  });

  it('scales the threshold with the cores and the share asked for', () => {
    expect(loadDrift([load(0)], [load(1)], 8).drifted).toBe(false);
    expect(loadDrift([load(0)], [load(1)], 8, 0.1).drifted).toBe(true);
  });

  it('cannot rule out a drift where a phase was not measured', () => {
    const unmeasured = loadDrift([undefined, undefined], [load(0.1)], 2);
    expect(unmeasured.sampling.jobs).toBe(0);
    expect(unmeasured.drifted).toBeNull();
    expect(unmeasured.warning).toMatch(/not measured during the samples/);
    const noProc = loadDrift([load(0.1)], [load(null), load(null)], 2);
    expect(noProc.runs.jobs).toBe(2);
    expect(noProc.runs.otherBusyCoresRange).toBeNull();
    expect(noProc.drifted).toBeNull();
    expect(noProc.warning).toMatch(/during the runs/);
  });
});
