/**
 * The record writes a dispatch strategy has in flight (a finished split's result lines and its
 * split log line): one that fails stops the job, and the strategy waits for all of them before
 * it returns, so that no line is lost or written after the job's end.
 */
import { messageOf, StorageError } from '../errors.js';

export class PendingWrites {
  private readonly writes = new Set<Promise<void>>();

  /** `stop` ends the job with a reason (the dispatch context's `stop`). */
  constructor(private readonly stop: (reason: string) => void) {}

  /** Keeps `write` until it settles; a failure stops the job. */
  track(write: Promise<void>): void {
    const tracked = write
      .catch((err: unknown) =>
        this.stop(err instanceof StorageError ? err.message : `cannot write results: ${messageOf(err)}`),
      )
      .finally(() => this.writes.delete(tracked));
    this.writes.add(tracked);
  }

  /** Resolves once every write tracked so far has settled. */
  async settled(): Promise<void> {
    await Promise.all([...this.writes]);
  }
}
