/**
 * The throughput line of a job whose results arrive one split at a time: measured over a window
 * sized to the split cadence, it stays near the job's mean rate instead of jumping between 0 and
 * a peak, and it adds up to the images done.
 */
import { describe, expect, it } from 'vitest';
import type { SplitRecord } from '../../manager/types.js';
import { THROUGHPUT_POINTS, throughput } from './throughput.js';

const T0 = 1_700_000_000_000;

/** A finished split of `inputs` images that ran from `startS` to `endS` seconds after T0. */
function finished(id: number, startS: number, endS: number, inputs = 10): SplitRecord {
  return {
    splitId: String(id),
    inputs,
    status: 'done',
    workerId: 'w0',
    startedAt: T0 + startS * 1000,
    endedAt: T0 + endS * 1000,
    retries: 0,
    error: null,
    attempts: [],
  };
}

describe('throughput over a moving window', () => {
  it('is flat at the mean rate for one worker whose splits each take 2.5 s', () => {
    // 40 splits back to back: a result every 2.5 s over 100 s, 400 images: 4 images/s. The
    // window holds 10 results (10 mean gaps: more than twice a split's run time).
    const splits = Array.from({ length: 40 }, (_, i) => finished(i, i * 2.5, (i + 1) * 2.5));
    const t = throughput(splits, T0, 100);
    expect(t.windowSeconds).toBe(25);
    expect(t.rate).toHaveLength(THROUGHPUT_POINTS + 1);
    // Once a window has passed, it holds two results at every moment: 4 images/s, flat (the
    // per-second bins this replaces jumped between 0 and 10 images/s).
    const steady = t.rate.filter((p) => p.x >= 25);
    expect(steady.every((p) => Math.abs(p.y - 4) < 1e-9)).toBe(true);
    // It rises over the first window, and is 0 only before the first result.
    expect(t.rate.filter((p) => p.y === 0).every((p) => p.x < 2.5)).toBe(true);
  });

  it('caps the window at the job, whose end then shows its mean rate', () => {
    // Each worker ran one split the whole job: every result came at the end.
    const splits = [finished(0, 0, 10, 40), finished(1, 0, 10, 40)];
    const t = throughput(splits, T0, 10);
    expect(t.windowSeconds).toBe(10);
    expect(t.rate.at(-1)!.y).toBeCloseTo(8, 9);
    expect(t.rate.slice(0, -1).every((p) => p.y === 0)).toBe(true);
  });
});
