/**
 * Whether an embed job's vectors can come back (before anything starts): each vector within the
 * bound of a result (`protocol/result-bounds.ts`), and the replies of its largest invocation or
 * split within the limits of the transport that carries them.
 */
import { UserError } from '../errors.js';
import { planSplits } from '../job-plan/plan-job.js';
import {
  FUNCTION_REPLY_LIMITS,
  MAX_DISPATCHER_MESSAGE_BYTES,
  MAX_VECTOR_VALUES,
} from '../protocol/limits.js';
import { embedReplyBytes, megabytes, REPLY_OVERHEAD_BYTES } from '../protocol/reply-size.js';
import type { ResolvedJobSpec } from '../spec/types.js';
import type { JobTask } from './job-contract.js';

/**
 * Refuses an embed job whose vectors could not come back: the largest invocation's (static) or
 * split's (dynamic) vectors over the reply limit of the backend or the dispatcher's message
 * limit. Needs the vector length (a model whose length is not fixed is checked by its functions).
 */
export function checkEmbedReplies(spec: ResolvedJobSpec, keys: readonly string[], checked: JobTask): void {
  if (checked.task.kind !== 'embed' || checked.width === null) return;
  const dims = checked.width;
  if (dims > MAX_VECTOR_VALUES)
    throw new UserError(
      `embed: output '${checked.resolved?.output ?? checked.task.output ?? ''}' has ${dims} values per input, more than the ${MAX_VECTOR_VALUES} a vector may hold; read a smaller output (--output)`,
    );
  const keyBytes = keys.reduce((a, k) => Math.max(a, Buffer.byteLength(k)), 0);
  const largest = planSplits(spec, keys.length).reduce((a, s) => Math.max(a, s.inputs), 0);
  const dynamic = spec.dispatch.type === 'dynamic';
  const limit = dynamic
    ? {
        bytes: MAX_DISPATCHER_MESSAGE_BYTES,
        where: `the dispatcher's ${megabytes(MAX_DISPATCHER_MESSAGE_BYTES)} message limit`,
      }
    : (FUNCTION_REPLY_LIMITS[spec.backend.type] ?? null);
  if (limit === null) return;
  const each = embedReplyBytes(1, dims, keyBytes, dynamic ? 'protobuf' : 'json');
  const fits = Math.max(0, Math.floor((limit.bytes - REPLY_OVERHEAD_BYTES) / each));
  if (largest <= fits) return;
  const what = dynamic ? 'split' : 'invocation';
  const fix =
    fits === 0
      ? 'not even one vector fits: read a smaller output'
      : dynamic
        ? `use --split-size ${fits} or less`
        : `use at most ${fits} inputs per invocation (--workers ${Math.ceil(keys.length / Math.max(1, fits))} or more, or --mode dynamic)`;
  throw new UserError(
    `embed: the vectors of one ${what} (${largest} inputs x ${dims} float32 values, about ${megabytes(largest * each)}) do not fit in ${limit.where}; ${fix}`,
  );
}
