/**
 * Admission of invocations to a remote backend (a FIFO semaphore whose waiters can give up), and
 * pausing and stopping them.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { BackendError } from '../errors.js';
import type { Semaphore } from '../util/semaphore.js';

/**
 * Takes one permit of `semaphore`, or rejects with the signal's reason when it aborts first. A
 * permit granted after the abort is handed straight back, so none is lost.
 */
export async function acquireSlot(semaphore: Semaphore, signal: AbortSignal): Promise<void> {
  signal.throwIfAborted();
  const granted = semaphore.acquire();
  let abandoned = false;
  const onAbort = new Promise<never>((_, reject) => {
    const listener = (): void => {
      abandoned = true;
      reject(signal.reason as Error);
    };
    signal.addEventListener('abort', listener, { once: true });
    void granted.then(() => signal.removeEventListener('abort', listener));
  });
  onAbort.catch(() => undefined);
  void granted.then(() => {
    if (abandoned) semaphore.release();
  });
  await Promise.race([granted, onAbort]);
  if (abandoned) throw signal.reason as Error;
}

/** Sleeps `ms`, or returns early (false) when `signal` aborts. */
export async function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  if (ms <= 0) return !signal.aborted;
  try {
    await sleep(ms, undefined, { signal });
    return true;
  } catch {
    return false;
  }
}

/**
 * Why a remote invocation stopped early: the caller cancelled it (`caller` aborted), the backend
 * was closed (`closer` aborted), or else it ran past `timeoutMs` (retryable).
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
