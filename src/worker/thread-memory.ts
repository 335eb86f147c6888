/**
 * About the memory one inference thread of a model takes, for the memory check before a thread
 * is loaded beside stuck ones (`function-health.ts`): the larger of the model file (its weights
 * are in memory) and the process's growth since the pool opened per thread it started (the
 * sessions, and their arenas once batches have run). An estimate on the safe side: the growth
 * includes the rest of the process's.
 */
import { memoryInUse } from './function-health.js';

export class ThreadMemory {
  private started = 0;
  private bytesNow: number;
  private readonly before = memoryInUse();

  /** Measured from now (call it before the pool's first threads load). */
  constructor(fileBytes: number) {
    this.bytesNow = fileBytes;
  }

  /** The estimate, bytes. */
  get bytes(): number {
    return this.bytesNow;
  }

  /** `count` more threads have loaded. */
  threadsStarted(count: number): void {
    this.started += count;
    this.measure();
  }

  /** Raises the estimate to the growth per thread started, when that is larger. */
  measure(): void {
    if (this.started === 0) return;
    const perThread = Math.round((memoryInUse() - this.before) / this.started);
    this.bytesNow = Math.max(this.bytesNow, perThread);
  }
}
