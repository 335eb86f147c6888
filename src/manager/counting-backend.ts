/**
 * A backend seen through a counter of the invocations it runs now, for the job's progress, and
 * of why each was started (the dispatch core's reason, which the strategies pass along).
 */
import type { ComputeBackend, Invocation, InvokeOptions } from '../backends/backend.js';
import type { InvocationReason } from '../core/dispatch-types.js';
import type { WorkerPayload } from '../protocol/invocation.js';

/** What the counter tells: an invocation submitted, and why, and one that came back. */
export interface InvocationCounter {
  started(payload: WorkerPayload, reason: InvocationReason, running: number): void;
  ended(running: number): void;
}

/** A job's invocation options: the backend's, and why the dispatch core started it. */
export interface JobInvokeOptions extends InvokeOptions {
  reason: InvocationReason;
}

/** The job's backend as its dispatch strategies use it: every invocation says why it started. */
export interface JobBackend extends Omit<ComputeBackend, 'invoke'> {
  invoke(payload: WorkerPayload, options: JobInvokeOptions): Promise<Invocation>;
}

/**
 * `backend`, telling `counter` when an invocation is submitted (and why) or comes back, with the
 * number running: those submitted, at most the backend's `maxConcurrency` (the backend queues
 * the rest until one of its slots frees, and those queued are not running).
 */
export function countingBackend(backend: ComputeBackend, counter: InvocationCounter): JobBackend {
  let submitted = 0;
  const running = (): number => Math.min(submitted, backend.maxConcurrency);
  return {
    name: backend.name,
    memoryMb: backend.memoryMb,
    maxConcurrency: backend.maxConcurrency,
    functionCpus: backend.functionCpus,
    async invoke(payload, { reason, ...options }) {
      submitted += 1;
      counter.started(payload, reason, running());
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
