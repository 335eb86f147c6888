/** Messages between the main thread and an inference thread (`inference-thread.ts`). */
import type { ModelInfo } from './session.js';
import type { InputBatch } from './tensor.js';

/** Index of the stop flag in the memory a thread shares with its pool (1: stop). */
export const STOP_INDEX = 0;
/**
 * Slots after the stop flag that name abandoned requests (request `id` in slot
 * `1 + id % ABANDONED_SLOTS`): a thread skips a request whose slot holds its id.
 */
export const ABANDONED_SLOTS = 64;

/** Main -> thread: run `count` images of `imageShape` each (the buffer is transferred). */
export interface ThreadRequest {
  id: number;
  batch: InputBatch;
  count: number;
  imageShape: readonly number[];
  /** The graph output to return. */
  output: string;
}

/** Thread -> main. */
export type ThreadReply =
  | { type: 'ready'; info: ModelInfo; loadMs: number }
  | { type: 'load-failed'; message: string; modelError: boolean }
  /** `input` is the request's batch, handed back (transferred) for the next batch to reuse. */
  | { type: 'result'; id: number; logits: Float32Array; runMs: number; input: InputBatch }
  | { type: 'run-failed'; id: number; message: string }
  /** An abandoned request the thread had not started; `input` is its batch, handed back. */
  | { type: 'skipped'; id: number; input: InputBatch };
