/** A listener that throws (or rejects) is caught and told once as a process warning. */
import { afterEach, describe, expect, it } from 'vitest';
import { LISTENER_THREW_WARNING, safeListener } from './listener.js';

const warnings: Error[] = [];
const onWarning = (w: Error): void => void warnings.push(w);
process.on('warning', onWarning);
afterEach(() => {
  warnings.length = 0;
});

/** Lets the process's 'warning' events (emitted on the next tick) and rejections arrive. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('safeListener', () => {
  it('passes every call on, and a throw neither reaches the caller nor stops later calls', async () => {
    const seen: number[] = [];
    const listener = safeListener('onProgress', (n: number) => {
      seen.push(n);
      if (n % 2 === 0) throw new Error(`no even numbers: ${n}`);
    });
    for (const n of [1, 2, 3, 4]) expect(() => listener(n)).not.toThrow();
    await settle();
    expect(seen).toEqual([1, 2, 3, 4]);
    const ours = warnings.filter((w) => (w as Error & { code?: string }).code === LISTENER_THREW_WARNING);
    expect(ours.map((w) => w.message)).toEqual([
      'the onProgress listener threw (the job goes on; later throws are not told): no even numbers: 2',
    ]);
  });

  it('catches the rejection of a listener that returns a promise', async () => {
    const listener = safeListener('onFound', () => Promise.reject(new Error('async listener failed')));
    listener();
    await settle();
    await settle();
    expect(warnings.map((w) => w.message)).toEqual([
      'the onFound listener threw (the job goes on; later throws are not told): async listener failed',
    ]);
  });
});
