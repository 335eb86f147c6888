/**
 * The schemas of a job folder's records (pure): `job.spec.json`, and the lines of
 * `splits.jsonl` and `invocations.jsonl` (`results.jsonl` lines are the protocol's input
 * results). `--resume` reads them back through these, so a damaged or edited record is refused
 * with its file, line and field, never half-used.
 *
 * Unknown keys are errors: the job manager writes these records itself, so a key it does not
 * know means another version or a person wrote the record, and resuming from it could lose or
 * duplicate results.
 */
import * as z from 'zod';
import { INVOCATION_REASONS } from '../core/dispatch-types.js';
import { workerFaultsSchema } from '../protocol/payload-schema.js';
import { inputResultSchema, workerTimingsSchema } from '../protocol/result-schema.js';
import { MAX_MEMORY_MB, MIN_MEMORY_MB } from '../protocol/limits.js';
import { resolvedJobSpecSchema } from '../spec/resolved-schema.js';
import { intRange, nonEmptyString, numberRange, sha256Hex } from '../util/schema.js';

const count = intRange(0);
/** Why the dispatch core started an invocation (optional: older records do not say). */
const invocationReason = z.enum(INVOCATION_REASONS).optional();
const time = numberRange({ min: 0 });
/** A moment as `Date.prototype.toISOString` writes it (the job manager writes no other). */
export const isoTimeSchema = z.iso.datetime({
  error: (issue) => `${issue.input === undefined ? 'missing: ' : ''}expected an ISO date and time`,
});

/** What the job's model and labels files held when it started (`types.ts` `ModelDigests`). */
export const modelDigestFields = z.strictObject({
  sha256: sha256Hex,
  bytes: count,
  labelsSha256: sha256Hex.optional(),
  labelsBytes: count.optional(),
});

/** One try at a split (`core/split-types.ts`). */
export const splitAttemptSchema = z.strictObject({
  attempt: count,
  label: z.string(),
  kind: z.enum(['first', 'retry', 'copy']),
  workerId: z.string(),
  startedAt: time,
  endedAt: time.nullable(),
  outcome: z.enum(['running', 'won', 'lost', 'superseded', 'failed', 'silent', 'invalid']),
  reason: z.string().optional(),
});

/** A line of `splits.jsonl`: a finished split, written after its result lines. */
export const splitLogLineSchema = z
  .strictObject({
    splitId: nonEmptyString,
    inputs: count,
    ok: count,
    errors: count,
    workerId: z.string().nullable(),
    attempt: count.nullable(),
    endedAt: time,
    error: z.string().nullable(),
    attempts: z.array(splitAttemptSchema).optional(),
    run: count.optional(),
  })
  .refine((line) => line.ok + line.errors <= line.inputs, {
    error: 'ok + errors is more than the inputs of the split',
  });

/**
 * A line of `retry-errors.jsonl`: a split that `--retry-errors` took out of a complete job's
 * records, its lines (an embed job's with their vectors) and the indexes of those that run again.
 */
export const reopenedSplitSchema = z
  .strictObject({
    splitId: nonEmptyString,
    held: z.array(inputResultSchema),
    open: z.array(count).min(1),
  })
  .refine((line) => line.open.every((i) => i < line.held.length && line.held[i]?.error !== null), {
    error: "open names an input that is not one of the split's error lines",
    path: ['open'],
  });

/** One finished invocation, as `job.json` records it. */
export const invocationRecordSchema = z.strictObject({
  invocationId: z.string(),
  submittedAt: time,
  startedAt: time,
  endedAt: time,
  durationMs: time,
  billedMs: time,
  initMs: time,
  cold: z.boolean(),
  memoryMb: intRange(MIN_MEMORY_MB, MAX_MEMORY_MB),
  maxMemoryUsedMb: time.optional(),
  workerId: z.string(),
  reason: invocationReason,
  splitIds: z.array(z.string()),
  attempt: count,
  ok: z.boolean(),
  error: z.string().optional(),
  retryable: z.boolean().optional(),
  pid: count.optional(),
  modelLoadMs: time.optional(),
  timings: workerTimingsSchema.optional(),
  faults: workerFaultsSchema.optional(),
  dispatch: z
    .strictObject({
      assigned: count,
      accepted: count,
      duplicate: count,
      rejected: count,
      cancelled: count,
    })
    .optional(),
  stopped: z.boolean().optional(),
  estimated: z.literal(true).optional(),
});

/** A fault a worker was given (experiments). */
const faultDecisionSchema = z.strictObject({
  ordinal: count,
  planned: z.boolean(),
  faults: workerFaultsSchema,
});

/**
 * A line of `invocations.jsonl`: an invocation submitted (`started`, so that one whose end is
 * never written is still accounted for), or one that ended (`ended`, the record `job.json`
 * keeps).
 */
export const invocationLineSchema = z.discriminatedUnion('event', [
  z.strictObject({
    event: z.literal('started'),
    run: count,
    workerId: nonEmptyString,
    reason: invocationReason,
    splitIds: z.array(z.string()),
    submittedAt: time,
    memoryMb: intRange(MIN_MEMORY_MB, MAX_MEMORY_MB),
    fault: faultDecisionSchema.optional(),
  }),
  invocationRecordSchema.extend({ event: z.literal('ended') }),
]);

/** One run of a job: the first, and one per `--resume`. */
export const jobRunRecordSchema = z.strictObject({
  run: count,
  startedAt: isoTimeSchema,
  endedAt: isoTimeSchema.nullable(),
  splitsToRun: count,
  splitsAlreadyDone: count,
  workerIdPrefix: z.string(),
  pid: intRange(1).optional(),
  host: z.string().optional(),
  lastSeenAt: isoTimeSchema.optional(),
  latencySeconds: time.optional(),
});

/** `job.spec.json`: the resolved spec a job started with, its inputs and its runs. */
export const jobSpecFileSchema = z.strictObject({
  version: z.literal(1),
  jobId: nonEmptyString,
  spec: resolvedJobSpecSchema,
  inputs: z.strictObject({ count, digest: nonEmptyString }),
  // Absent in folders of jobs started before the model's digest was recorded.
  model: modelDigestFields.optional(),
  runs: z.array(jobRunRecordSchema),
  redacted: z.array(z.string()).optional(),
});
