/** Defaults of the remote backends, with their units in their names. */
import type { RetryPolicy } from '../util/retry.js';

/** AWS Lambda: function name prefix, memory (MB), invocations in flight, client-side timeout. */
export const LAMBDA_DEFAULTS = {
  functionPrefix: 'obifaas-worker',
  memoryMb: 3008,
  maxConcurrency: 100,
  /** Lambda's longest function timeout plus a margin for the round trip. */
  timeoutMs: 15 * 60_000 + 30_000,
} as const;

/**
 * HTTP functions: invocations at once per URL, memory billed (MB), timeout per invocation, and
 * the vCPUs each function is assumed to have when `backend.vcpus` does not say (one: a container
 * platform's smallest instance; more threads than CPUs would only slow a function down).
 */
export const HTTP_DEFAULTS = {
  perUrlConcurrency: 1,
  memoryMb: 3008,
  timeoutMs: 15 * 60_000,
  vcpus: 1,
} as const;

/** Retries of one remote invocation: throttling storms can last seconds, so up to 8 attempts, backoff 100 ms doubling to 20 s. */
export const INVOKE_RETRY_DEFAULTS: RetryPolicy = Object.freeze({
  maxAttempts: 8,
  baseDelayMs: 100,
  maxDelayMs: 20_000,
});
