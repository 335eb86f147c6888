/**
 * How big a function's reply gets, and what to do when it would not fit its transport (pure).
 * An embed job's vectors make replies large: 32 inputs of 1,280 float32 values are about
 * 220 KB as JSON (base64) and 165 KB in a protobuf message. The job manager refuses a plan whose
 * replies cannot fit before anything starts ({@link embedReplyBytes}); a function whose reply
 * would still be too big (a model whose vector length is not fixed) turns the vectors of the
 * splits that do not fit into errors saying so ({@link fitSplitsInReply}), so every input still
 * gets exactly one result.
 */
import type { InputResult } from '../core/prediction.js';
import type { SplitResult } from './invocation.js';
import { base64Length, FLOAT32_BYTES } from './vector-encoding.js';

/** Bytes of a reply besides its results (timings, runtime, ids), kept free in every budget. */
export const REPLY_OVERHEAD_BYTES = 16 * 1024;

/** How results travel: JSON text (IPC, Lambda, HTTP) or a protobuf message (the dispatcher). */
export type ReplyEncoding = 'json' | 'protobuf';

/** Bytes of one result in a JSON reply (exact, with its separator). */
export function resultJsonBytes(r: InputResult): number {
  return Buffer.byteLength(JSON.stringify(r)) + 1;
}

/** Bytes of one result in a protobuf message (an upper bound: field tags and lengths included). */
export function resultWireBytes(r: InputResult): number {
  let bytes = Buffer.byteLength(r.key) + 16;
  if (r.error !== null) bytes += Buffer.byteLength(r.error);
  if (r.vector !== undefined) {
    const padding = r.vector.endsWith('==') ? 2 : r.vector.endsWith('=') ? 1 : 0;
    bytes += Math.ceil((r.vector.length * 3) / 4) - padding;
  }
  for (const c of r.top ?? []) bytes += Buffer.byteLength(c.label ?? '') + 24;
  return bytes;
}

/** Bytes of `inputs` embed results of `dims` values with keys of up to `keyBytes` bytes. */
export function embedReplyBytes(
  inputs: number,
  dims: number,
  keyBytes: number,
  encoding: ReplyEncoding,
): number {
  const vector = dims * FLOAT32_BYTES;
  // JSON: {"key":"...","top":null,"error":null,"vector":"..."}, a key escaped at worst 6x.
  const each = encoding === 'json' ? 6 * keyBytes + base64Length(vector) + 48 : keyBytes + vector + 16;
  return inputs * each;
}

/** `bytes` in MB, as messages show them. */
export function megabytes(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/**
 * `splits` with the vectors of every split from the first that would take the reply over
 * `budgetBytes` replaced by an error naming `limit` (what the budget is, in words). Splits
 * without vectors are kept as they are; errors are small and always fit.
 */
export function fitSplitsInReply(
  splits: readonly SplitResult[],
  budgetBytes: number,
  sizeOf: (r: InputResult) => number,
  limit: string,
): SplitResult[] {
  let used = REPLY_OVERHEAD_BYTES;
  let full = false;
  return splits.map((split) => {
    const bytes = split.results.reduce((a, r) => a + sizeOf(r), 0);
    const vectors = split.results.some((r) => r.vector !== undefined);
    if (!full && used + bytes <= budgetBytes) {
      used += bytes;
      return split;
    }
    if (!vectors) return split;
    full = true;
    const error = `the vectors of split ${split.splitId} (${split.results.length} inputs, ${megabytes(bytes)}) do not fit in ${limit}; use fewer inputs per invocation (a smaller --split-size, or more --workers)`;
    return {
      ...split,
      results: split.results.map((r) => (r.vector === undefined ? r : { key: r.key, top: null, error })),
    };
  });
}
