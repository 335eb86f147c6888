/**
 * Messages between the local backend and its function processes, over the Node IPC channel
 * (structured clone). One invocation at a time per process.
 */
import type { WorkerPayload, WorkerResult } from './invocation.js';

/** Parent -> function process. */
export interface InvokeMessage {
  type: 'invoke';
  id: string;
  payload: WorkerPayload;
}

/** A failure as it crosses the process boundary. */
export interface SerializedError {
  name: string;
  message: string;
  /** False for mistakes in the payload (trying again cannot help), true otherwise. */
  retryable: boolean;
}

/** Function process -> parent. */
export type ChildMessage =
  | { type: 'ready'; pid: number }
  | { type: 'result'; id: string; ok: true; result: WorkerResult }
  | { type: 'result'; id: string; ok: false; error: SerializedError };

export function isChildMessage(value: unknown): value is ChildMessage {
  if (typeof value !== 'object' || value === null) return false;
  const type = (value as { type?: unknown }).type;
  return type === 'ready' || type === 'result';
}
