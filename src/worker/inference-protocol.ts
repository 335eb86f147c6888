/** Messages between the main thread and an inference thread (`inference-thread.ts`). */
import type { ModelInfo } from './session.js';
import type { InputBatch } from './tensor.js';

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
  | { type: 'run-failed'; id: number; message: string };
