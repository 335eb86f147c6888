/** A backend seen through a counter of the invocations it runs now, for the job's progress. */
import type { ComputeBackend } from '../backends/backend.js';
import type { WorkerPayload } from '../protocol/invocation.js';

/** What the counter tells: an invocation submitted, and one that came back. */
export interface InvocationCounter {
  started(payload: WorkerPayload, running: number): void;
  ended(running: number): void;
}

/** `backend`, telling `counter` when an invocation starts or ends. */
export function countingBackend(backend: ComputeBackend, counter: InvocationCounter): ComputeBackend {
  let running = 0;
  return {
    name: backend.name,
    memoryMb: backend.memoryMb,
    maxConcurrency: backend.maxConcurrency,
    functionCpus: backend.functionCpus,
    async invoke(payload, options) {
      counter.started(payload, ++running);
      try {
        return await backend.invoke(payload, options);
      } finally {
        counter.ended(--running);
      }
    },
    close: () => backend.close(),
  };
}
