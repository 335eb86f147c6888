/**
 * A counting semaphore: at most `permits` holders at once, waiters served in FIFO order. A
 * waiter can give up through an `AbortSignal` (it leaves the queue, and no permit is lost), and
 * `tryAcquire` takes a permit only if one is free now (admission that refuses instead of waiting).
 */
export class Semaphore {
  private readonly waiters: Array<() => void> = [];
  private available: number;

  constructor(readonly permits: number) {
    if (!Number.isInteger(permits) || permits < 1)
      throw new RangeError(`permits must be >= 1, got ${permits}`);
    this.available = permits;
  }

  /**
   * Takes one permit, waiting in line when none is free. Rejects with the signal's reason when
   * `signal` aborts first (at once if it already has).
   */
  acquire(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason as Error);
    if (this.available > 0) {
      this.available--;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const grant = (): void => {
        signal?.removeEventListener('abort', giveUp);
        resolve();
      };
      const giveUp = (): void => {
        const at = this.waiters.indexOf(grant);
        if (at >= 0) this.waiters.splice(at, 1);
        reject(signal?.reason as Error);
      };
      signal?.addEventListener('abort', giveUp, { once: true });
      this.waiters.push(grant);
    });
  }

  /** Takes a permit if one is free now; never waits, never jumps the line. */
  tryAcquire(): boolean {
    if (this.available === 0 || this.waiters.length > 0) return false;
    this.available--;
    return true;
  }

  /** Returns a permit: it goes to the longest waiter, or back to the pool. */
  release(): void {
    const next = this.waiters.shift();
    if (next) next();
    else if (this.available < this.permits) this.available++;
    else throw new Error('Semaphore.release() without a matching acquire');
  }

  /** Runs `fn` while holding one permit. */
  async use<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    await this.acquire(signal);
    try {
      return await fn();
    } finally {
      this.release();
    }
  }

  /** Permits held now. */
  get inUse(): number {
    return this.permits - this.available;
  }

  /** Callers waiting for a permit. */
  get waiting(): number {
    return this.waiters.length;
  }
}
