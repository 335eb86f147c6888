/**
 * The read-error fault on the function's side (experiments): a store whose reads of the inputs
 * that {@link readErrorInjected} picks for this attempt fail before any byte is read, as S3
 * throttling fails them (`SlowDown`, HTTP 503: a passing error, so the job tries them again).
 * Every other read, and every other call, goes to the store as it is: the fault can only fail a
 * read the function was making anyway, never make it read another key or another store.
 */
import { INJECTED_READ_ERROR, readErrorInjected, type ReadErrorFault } from '../core/faults.js';
import type { BlobStore } from '../storage/blob-store.js';

/** An injected read error, shaped as the S3 client's throttling error (its name and HTTP status). */
export class InjectedReadError extends Error {
  override name: string = INJECTED_READ_ERROR.name;
  readonly $metadata = { httpStatusCode: INJECTED_READ_ERROR.httpStatusCode };

  constructor() {
    super(INJECTED_READ_ERROR.message);
  }
}

/** `store`, with the reads `fault` picks for attempt `attempt` of a split failing. */
export function withInjectedReadErrors(store: BlobStore, fault: ReadErrorFault, attempt: number): BlobStore {
  return {
    ref: store.ref,
    get: (key, options) =>
      readErrorInjected(fault, key, attempt)
        ? Promise.reject(new InjectedReadError())
        : store.get(key, options),
    put: (key, body) => store.put(key, body),
    exists: (key) => store.exists(key),
    list: (prefix) => store.list(prefix),
    close: () => store.close(),
  };
}
