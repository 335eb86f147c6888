/**
 * What both dispatch strategies (static, dynamic) send to a function and how they read what
 * came back: the payload's common fields, an answered invocation's record fields, and a failed
 * invocation's end as the dispatch core takes it.
 */
import type { InvocationEnd } from '../core/dispatch-types.js';
import type { WorkerFaults } from '../core/faults.js';
import { BackendError, messageOf } from '../errors.js';
import type { WorkerResult, WorkPayloadFields } from '../protocol/invocation.js';
import type { DispatchContext } from './dispatch.js';
import type { InvocationRecord } from './types.js';

/** The fields of worker `workerId`'s payload that do not depend on how it gets its splits. */
export function workPayloadFields(
  ctx: DispatchContext,
  workerId: string,
  faults: WorkerFaults | undefined,
): WorkPayloadFields {
  return {
    jobId: ctx.jobId,
    workerId,
    model: ctx.model,
    storage: ctx.storage,
    pipeline: ctx.pipeline,
    task: ctx.task,
    ...(faults ? { faults } : {}),
  };
}

/** What the record of an invocation that answered takes from its result. */
export function answeredFields(
  result: WorkerResult,
): Pick<InvocationRecord, 'ok' | 'pid' | 'modelLoadMs' | 'timings'> {
  return {
    ok: true,
    pid: result.runtime.pid,
    modelLoadMs: result.timings.modelLoadMs,
    timings: result.timings,
  };
}

/**
 * A failed invocation's end: a {@link BackendError} says whether to retry and how long to wait
 * first; any other error (a bug on this side) is retryable at once.
 */
export function failedEnd(error: Error): Extract<InvocationEnd, { ok: false }> {
  const backendError = error instanceof BackendError ? error : undefined;
  return {
    ok: false,
    error: messageOf(error),
    retryable: backendError?.retryable ?? true,
    retryAfterMs: backendError?.retryAfterMs ?? 0,
  };
}
