import { describe, expect, it } from 'vitest';
import { Semaphore } from './semaphore.js';

/** Lets pending promise callbacks run. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('Semaphore', () => {
  it('admits `permits` holders and serves waiters in arrival order', async () => {
    const s = new Semaphore(2);
    const order: string[] = [];
    await s.acquire();
    await s.acquire();
    expect(s.inUse).toBe(2);
    const waiters = ['a', 'b', 'c'].map((name) => s.acquire().then(() => order.push(name)));
    await settle();
    expect(order).toEqual([]);
    expect(s.waiting).toBe(3);
    s.release();
    await settle();
    expect(order).toEqual(['a']);
    s.release();
    s.release();
    await Promise.all(waiters);
    expect(order).toEqual(['a', 'b', 'c']);
    expect(s.inUse).toBe(2);
  });

  it('lets a waiter give up: it leaves the line with the reason, and no permit is lost', async () => {
    const s = new Semaphore(1);
    await s.acquire();
    const controller = new AbortController();
    const givingUp = s.acquire(controller.signal);
    const next = s.acquire();
    controller.abort(new Error('caller gave up'));
    await expect(givingUp).rejects.toThrow('caller gave up');
    expect(s.waiting).toBe(1);
    s.release();
    await next; // the permit went to the waiter behind, not to the one that left
    expect(s.inUse).toBe(1);
    s.release();
    expect(s.inUse).toBe(0);
  });

  it('refuses at once with an aborted signal, without taking a permit', async () => {
    const s = new Semaphore(1);
    await expect(s.acquire(AbortSignal.abort(new Error('already')))).rejects.toThrow('already');
    expect(s.inUse).toBe(0);
  });

  it('tryAcquire takes a free permit, never waits and never jumps the line', async () => {
    const s = new Semaphore(1);
    expect(s.tryAcquire()).toBe(true);
    expect(s.tryAcquire()).toBe(false);
    const waiter = s.acquire();
    s.release(); // goes to the waiter
    await waiter;
    expect(s.tryAcquire()).toBe(false);
    s.release();
    expect(s.tryAcquire()).toBe(true);
  });

  it('use() releases after the work, also when it throws', async () => {
    const s = new Semaphore(1);
    await expect(s.use(async () => 7)).resolves.toBe(7);
    await expect(
      s.use(async () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(s.inUse).toBe(0);
  });

  it('rejects bad permit counts and a release without an acquire', () => {
    expect(() => new Semaphore(0)).toThrow(RangeError);
    expect(() => new Semaphore(1.5)).toThrow(RangeError);
    expect(() => new Semaphore(1).release()).toThrow(/without a matching acquire/);
  });
});
