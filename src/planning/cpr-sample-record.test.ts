import { describe, expect, it } from 'vitest';
import { checkCprSample } from './cpr-records.js';
import { pendingRuns, sampleRecord, splitBilledSeconds } from './cpr-sample-record.js';
import { samplingPlan } from './sampling-plan.js';

describe('splitBilledSeconds', () => {
  it('moves the model load of cold invocations from compute to init', () => {
    const split = splitBilledSeconds([
      { billedMs: 3000, initMs: 1200, cold: true, modelLoadMs: 800 },
      { billedMs: 2500, initMs: 1000, cold: true, modelLoadMs: 700 },
      { billedMs: 2000, initMs: 0, cold: false, modelLoadMs: 0 },
    ]);
    expect(split.initSeconds).toBeCloseTo((1200 + 800 + 1000 + 700) / 1000, 9);
    expect(split.computeSeconds).toBeCloseTo((3000 - 800 + 2500 - 700 + 2000) / 1000, 9);
    expect(split.coldStarts).toBe(2);
    // Their sum is the billed time of the job, init included.
    expect(split.initSeconds + split.computeSeconds).toBeCloseTo(
      (3000 + 1200 + 2500 + 1000 + 2000) / 1000,
      9,
    );
  });

  it('counts a failed cold invocation (no model load reported) and never moves more than was billed', () => {
    const split = splitBilledSeconds([
      { billedMs: 100, initMs: 900, cold: true },
      { billedMs: 50, initMs: 10, cold: true, modelLoadMs: 400 },
      { billedMs: 70, initMs: 0, cold: false, modelLoadMs: 300 },
    ]);
    expect(split.initSeconds).toBeCloseTo((900 + 10 + 50) / 1000, 9);
    expect(split.computeSeconds).toBeCloseTo((100 + 0 + 70) / 1000, 9);
  });
});

describe('sampleRecord', () => {
  const point = { index: 3, images: 64, workers: 2, spacing: 'linear' as const };
  const job = {
    jobId: 'cpr-3-abcd',
    images: 64,
    latencySeconds: 4.5,
    costUsd: 0.0004,
    memoryMb: 3008,
    mode: 'static',
    invocations: [
      { billedMs: 3000, initMs: 1200, cold: true, modelLoadMs: 800 },
      { billedMs: 2600, initMs: 1100, cold: true, modelLoadMs: 900 },
    ],
  };

  it('is a valid CPR sample carrying its plan index', () => {
    const record = sampleRecord(point, job);
    expect(checkCprSample(record, 'record')).toEqual([]);
    expect(record).toMatchObject({
      index: 3,
      images: 64,
      workers: 2,
      memoryMb: 3008,
      costUsd: 0.0004,
      latencySeconds: 4.5,
      invocations: 2,
      coldStarts: 2,
      job: 'cpr-3-abcd',
      mode: 'static',
    });
    expect(record.initSeconds).toBeCloseTo(4, 9);
    expect(record.computeSeconds).toBeCloseTo(3.9, 9);
  });

  it('gives 0 init seconds for a job without a cold start, which the record check refuses', () => {
    const warm = sampleRecord(point, { ...job, invocations: [{ billedMs: 2000, initMs: 0, cold: false }] });
    expect(warm.coldStarts).toBe(0);
    expect(checkCprSample(warm, 'record').map((i) => i.path)).toEqual(['record: initSeconds']);
  });

  it("carries the machine's load around the job, which the record check reads", () => {
    const machine = { loadAverage: 2.5, cpuSeconds: 9.1, otherBusyCores: 0.4 };
    const record = sampleRecord(point, job, 'int8', machine);
    expect(record.machine).toEqual(machine);
    expect(checkCprSample(record, 'record')).toEqual([]);
    expect(checkCprSample({ ...record, machine: { ...machine, otherBusyCores: null } }, 'r')).toEqual([]);
    expect(sampleRecord(point, job)).not.toHaveProperty('machine');
    const bad = { ...record, machine: { ...machine, otherBusyCores: -1, extra: 1 } };
    expect(checkCprSample(bad, 'record').map((i) => i.path)).toEqual([
      'record: machine.otherBusyCores',
      'record: machine.extra',
    ]);
  });
});

describe('pendingRuns', () => {
  const plan = samplingPlan({ maxImages: 64, batchSize: 8, linear: 3, log: 3 });
  const indexes = (runs: ReturnType<typeof pendingRuns>): string[] =>
    runs.map((r) => `${r.point.index}${r.precision ? `/${r.precision}` : ''}`);

  it('skips the recorded points, in plan order', () => {
    const recorded = [0, 4, 99].map((index) => ({ index }));
    expect(indexes(pendingRuns(plan, [null], recorded))).toEqual(['1', '2', '3', '5']);
    expect(pendingRuns(plan, [null], [])).toHaveLength(6);
    expect(pendingRuns(plan, [null], plan)).toEqual([]);
  });

  it('runs each point in each precision, a record counting for its own precision only', () => {
    const recorded = [
      { index: 0, precision: 'fp32' as const },
      { index: 1, precision: 'int8' as const },
      { index: 2 },
    ];
    expect(indexes(pendingRuns(plan.slice(0, 3), ['fp32', 'int8'], recorded))).toEqual([
      '0/int8',
      '1/fp32',
      '2/fp32',
      '2/int8',
    ]);
  });
});
