/** A backend seen through a counter of the invocations it runs now, for the progress bar. */
import type { ComputeBackend } from '../backends/backend.js';

/** `backend`, calling `onChange(running)` when an invocation starts or ends. */
export function countingBackend(
  backend: ComputeBackend,
  onChange: (running: number) => void,
): ComputeBackend {
  let running = 0;
  return {
    name: backend.name,
    memoryMb: backend.memoryMb,
    maxConcurrency: backend.maxConcurrency,
    functionCpus: backend.functionCpus,
    async invoke(payload, options) {
      onChange(++running);
      try {
        return await backend.invoke(payload, options);
      } finally {
        onChange(--running);
      }
    },
    close: () => backend.close(),
  };
}
