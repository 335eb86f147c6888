/**
 * A binary min-heap of timed events for the simulator: O(log n) push and pop, ties broken by
 * insertion order so that a simulation is deterministic.
 */
export class EventHeap<T> {
  private times: number[] = [];
  private seqs: number[] = [];
  private items: T[] = [];
  private seq = 0;

  get size(): number {
    return this.items.length;
  }

  /** Time of the earliest event, or Infinity when empty. */
  peekTime(): number {
    return this.items.length > 0 ? (this.times[0] as number) : Infinity;
  }

  push(time: number, item: T): void {
    if (Number.isNaN(time)) throw new RangeError('event time is NaN');
    const times = this.times;
    const seqs = this.seqs;
    const items = this.items;
    const s = this.seq++;
    let i = items.length;
    times.push(time);
    seqs.push(s);
    items.push(item);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const pt = times[parent] as number;
      if (pt < time || (pt === time && (seqs[parent] as number) < s)) break;
      times[i] = pt;
      seqs[i] = seqs[parent] as number;
      items[i] = items[parent] as T;
      i = parent;
    }
    times[i] = time;
    seqs[i] = s;
    items[i] = item;
  }

  /** Removes and returns the earliest event's item; its time is {@link lastTime}. Undefined when empty. */
  pop(): T | undefined {
    const items = this.items;
    const n = items.length;
    if (n === 0) return undefined;
    const times = this.times;
    const seqs = this.seqs;
    const top = items[0] as T;
    this.lastTime = times[0] as number;
    const lastT = times.pop() as number;
    const lastS = seqs.pop() as number;
    const lastItem = items.pop() as T;
    const m = n - 1;
    if (m > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= m) break;
        const r = l + 1;
        let c = l;
        if (r < m) {
          const lt = times[l] as number;
          const rt = times[r] as number;
          if (rt < lt || (rt === lt && (seqs[r] as number) < (seqs[l] as number))) c = r;
        }
        const ct = times[c] as number;
        if (ct > lastT || (ct === lastT && (seqs[c] as number) > lastS)) break;
        times[i] = ct;
        seqs[i] = seqs[c] as number;
        items[i] = items[c] as T;
        i = c;
      }
      times[i] = lastT;
      seqs[i] = lastS;
      items[i] = lastItem;
    }
    return top;
  }

  /** Time of the event last returned by {@link pop}. */
  lastTime = 0;
}
