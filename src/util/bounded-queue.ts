/**
 * An async FIFO with a capacity: `push` waits while the queue is full, iteration waits while it
 * is empty, `close()` ends iteration once drained. Joins the stages of a pipeline.
 */
export class BoundedQueue<T> implements AsyncIterable<T> {
  private readonly items: T[] = [];
  private readonly takers: Array<(r: IteratorResult<T>) => void> = [];
  private readonly pushers: Array<() => void> = [];
  private closed = false;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError(`capacity must be >= 1, got ${capacity}`);
  }

  async push(item: T): Promise<void> {
    if (this.closed) throw new Error('push on a closed queue');
    while (this.items.length >= this.capacity && this.takers.length === 0) {
      await new Promise<void>((resolve) => this.pushers.push(resolve));
      if (this.closed) throw new Error('push on a closed queue');
    }
    const taker = this.takers.shift();
    if (taker) taker({ value: item, done: false });
    else this.items.push(item);
  }

  /** No more pushes; iteration ends after the remaining items. */
  close(): void {
    this.closed = true;
    for (const taker of this.takers.splice(0)) taker({ value: undefined, done: true });
    for (const pusher of this.pushers.splice(0)) pusher();
  }

  async next(): Promise<IteratorResult<T>> {
    if (this.items.length > 0) {
      const item = this.items.shift() as T;
      this.pushers.shift()?.();
      return { value: item, done: false };
    }
    if (this.closed) return { value: undefined, done: true };
    return new Promise((resolve) => this.takers.push(resolve));
  }

  get size(): number {
    return this.items.length;
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return { next: () => this.next() };
  }
}
