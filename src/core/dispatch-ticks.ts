/**
 * The tick grid of a dispatch core (pure): ticks come every `tickMs` after the job's start, and
 * the core says when the next one can change anything, so that a virtual clock may skip the
 * others (see `DispatchCore.nextTickAt`).
 */

/** The grid of one job's ticks: where it starts, its step, and the last tick seen. */
export class TickGrid {
  private startedAt: number | null = null;
  private lastTickAt = -Infinity;

  constructor(readonly tickMs: number) {
    if (!(tickMs > 0)) throw new RangeError(`tickMs must be > 0, got ${tickMs}`);
  }

  /** Whether the job started (the grid has an origin). */
  get started(): boolean {
    return this.startedAt !== null;
  }

  /** The job starts at `now`, the grid's origin and its first tick. */
  start(now: number): void {
    if (this.startedAt !== null) throw new Error('the dispatch core was started twice');
    this.startedAt = now;
    this.lastTickAt = now;
  }

  /** A tick came at `now`. */
  ticked(now: number): void {
    this.lastTickAt = now;
  }

  /** The first grid time at or after `t`. */
  atOrAfter(t: number): number {
    const start = this.startedAt ?? 0;
    return start + Math.ceil((t - start) / this.tickMs) * this.tickMs;
  }

  /**
   * The first grid time strictly after `heardAt + timeoutMs`: a worker silent for longer than
   * the timeout is given up then.
   */
  afterSilence(heardAt: number, timeoutMs: number): number {
    const start = this.startedAt ?? 0;
    return start + (Math.floor((heardAt + timeoutMs - start) / this.tickMs) + 1) * this.tickMs;
  }

  /** The earliest of `times` (grid times), never before the tick after the last; null for none. */
  next(times: readonly number[]): number | null {
    const next = Math.min(...times);
    return next === Infinity ? null : Math.max(next, this.lastTickAt + this.tickMs);
  }
}
