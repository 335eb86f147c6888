import { describe, expect, it } from 'vitest';
import { int8ProbeRunsIn, newInt8ProbeSlot, releaseInt8Probe, sharedInt8Answer } from './int8-probe-slot.js';

/** A measurement that ends when the test says so. */
function pending(): {
  measure: () => Promise<boolean>;
  finish: (saturates: boolean) => void;
  started: () => boolean;
} {
  let finish: (saturates: boolean) => void = () => undefined;
  let started = false;
  const promise = new Promise<boolean>((resolve) => (finish = resolve));
  return {
    measure: () => {
      started = true;
      return promise;
    },
    finish: (saturates) => finish(saturates),
    started: () => started,
  };
}

describe('the shared int8 probe answer', () => {
  it('is measured by the first thread; the others wait for its answer and then read it', async () => {
    const slot = newInt8ProbeSlot();
    const first = pending();
    const second = pending();
    const a = sharedInt8Answer(slot, 1, first.measure);
    const b = sharedInt8Answer(slot, 2, second.measure);
    first.finish(true);
    expect(await Promise.all([a, b])).toEqual([true, true]);
    expect(second.started()).toBe(false);
    expect(await sharedInt8Answer(slot, 3, () => Promise.resolve(false))).toBe(true);
    expect(int8ProbeRunsIn(slot)).toBe(1);
  });

  it('is measured by a waiting thread when the measuring one exits first', async () => {
    const slot = newInt8ProbeSlot();
    const lost = pending();
    void sharedInt8Answer(slot, 1, lost.measure);
    const b = sharedInt8Answer(slot, 2, () => Promise.resolve(false));
    releaseInt8Probe(slot, 2); // not the measuring thread: nothing changes
    releaseInt8Probe(slot, 1);
    expect(await b).toBe(false);
    expect(int8ProbeRunsIn(slot)).toBe(1);
  });

  it('is given back when the measurement throws, for the next thread to try', async () => {
    const slot = newInt8ProbeSlot();
    await expect(sharedInt8Answer(slot, 1, () => Promise.reject(new Error('no runtime')))).rejects.toThrow(
      'no runtime',
    );
    expect(await sharedInt8Answer(slot, 2, () => Promise.resolve(true))).toBe(true);
    expect(int8ProbeRunsIn(slot)).toBe(1);
  });
});
