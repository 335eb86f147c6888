import { describe, expect, it } from 'vitest';
import { UserError } from '../errors.js';
import { buildSchedule, takeInputs } from './schedule.js';
import type { TraceRow } from './trace-csv.js';

const at = (seconds: number, images = 10): TraceRow => ({
  line: 0,
  startedAtMs: Date.UTC(2024, 0, 1) + seconds * 1000,
  datasetId: 'd',
  images,
});

describe('buildSchedule', () => {
  const rows = [at(0), at(30), at(30), at(3630), at(3700)];

  it('keeps gaps as they are at speed 1 when none exceeds the cap', () => {
    const s = buildSchedule(rows, { maxWaitSeconds: Infinity });
    expect(s.map((j) => j.arrivalMs)).toEqual([0, 30_000, 30_000, 3_630_000, 3_700_000]);
    expect(s.map((j) => j.id)).toEqual(['job-00001', 'job-00002', 'job-00003', 'job-00004', 'job-00005']);
  });

  it('caps idle gaps at maxWaitSeconds (default 600 s) before compressing', () => {
    const s = buildSchedule(rows);
    expect(s.map((j) => j.arrivalMs)).toEqual([0, 30_000, 30_000, 630_000, 700_000]);
    expect(s.map((j) => j.gapCapped)).toEqual([false, false, false, true, false]);
    expect(s.map((j) => j.traceOffsetSeconds)).toEqual([0, 30, 30, 3630, 3700]);
  });

  it('divides the (capped) gaps by speed', () => {
    const s = buildSchedule(rows, { speed: 10, maxWaitSeconds: 100 });
    expect(s.map((j) => j.arrivalMs)).toEqual([0, 3_000, 3_000, 13_000, 20_000]);
  });

  it('rejects a speed <= 0 or a negative cap, and unsorted rows', () => {
    expect(() => buildSchedule(rows, { speed: 0 })).toThrow(UserError);
    expect(() => buildSchedule(rows, { maxWaitSeconds: -1 })).toThrow(/maxWaitSeconds/);
    expect(() => buildSchedule([at(10), at(0)])).toThrow(/sorted/);
    expect(buildSchedule([])).toEqual([]);
  });
});

describe('takeInputs', () => {
  it('takes keys in order and cycles when the job asks for more than the dataset has', () => {
    expect(takeInputs(['a', 'b', 'c'], 2)).toEqual(['a', 'b']);
    expect(takeInputs(['a', 'b', 'c'], 7)).toEqual(['a', 'b', 'c', 'a', 'b', 'c', 'a']);
    expect(() => takeInputs([], 1)).toThrow(/no inputs/);
  });
});
