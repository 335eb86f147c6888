/** A backend seen through a counter of the invocations it runs now, for the job's progress. */
import type { ComputeBackend } from '../backends/backend.js';
import type { WorkerPayload } from '../protocol/invocation.js';

/** What the counter tells: an invocation submitted, and one that came back. */
export interface InvocationCounter {
  started(payload: WorkerPayload, running: number): void;
  ended(running: number): void;
}

/**
 * `backend`, telling `counter` when an invocation is submitted or comes back, with the number
 * running: those submitted, at most the backend's `maxConcurrency` (the backend queues the rest
 * until one of its slots frees, and those queued are not running).
 */
export function countingBackend(backend: ComputeBackend, counter: InvocationCounter): ComputeBackend {
  let submitted = 0;
  const running = (): number => Math.min(submitted, backend.maxConcurrency);
  return {
    name: backend.name,
    memoryMb: backend.memoryMb,
    maxConcurrency: backend.maxConcurrency,
    functionCpus: backend.functionCpus,
    async invoke(payload, options) {
      submitted += 1;
      counter.started(payload, running());
      try {
        return await backend.invoke(payload, options);
      } finally {
        submitted -= 1;
        counter.ended(running());
      }
    },
    close: () => backend.close(),
  };
}
