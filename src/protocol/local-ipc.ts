/**
 * Messages between the local backend and its function processes, over the Node IPC channel
 * (structured clone). One invocation at a time per process.
 */
import type { FunctionErrorBody } from './function-reply.js';
import type { WorkerPayload, WorkerResult } from './invocation.js';

/** Parent -> function process. */
export interface InvokeMessage {
  type: 'invoke';
  id: string;
  payload: WorkerPayload;
}

/**
 * Parent -> function process: stop invocation `id` (cancelled, or past its timeout). The process
 * ends it, waits until the model runs it had started are over (their output is discarded), and
 * then answers with the invocation's `result`: from then on it is idle, its model still loaded.
 */
export interface StopMessage {
  type: 'stop';
  id: string;
}

/** Function process -> parent. */
export type ChildMessage =
  | { type: 'ready'; pid: number }
  | { type: 'result'; id: string; ok: true; result: WorkerResult }
  | { type: 'result'; id: string; ok: false; error: FunctionErrorBody };

export function isChildMessage(value: unknown): value is ChildMessage {
  if (typeof value !== 'object' || value === null) return false;
  const type = (value as { type?: unknown }).type;
  return type === 'ready' || type === 'result';
}
