/** Why an invocation stopped early, told apart from the signals that stopped it. */
import { BackendError } from '../errors.js';

/**
 * Why an invocation stopped early: the caller cancelled it (`caller` aborted), the backend was
 * closed (`closer` aborted), or else it ran past `timeoutMs` (retryable).
 */
export function stopReason(
  caller: AbortSignal | undefined,
  closer: AbortSignal,
  timeoutMs: number | undefined,
): BackendError {
  if (caller?.aborted) return new BackendError('invocation cancelled', false);
  if (closer.aborted) return new BackendError('backend closed', false);
  return new BackendError(`invocation timed out after ${timeoutMs} ms`, true);
}
