/**
 * The schema of one input's result (pure): what a function reports per input, and a line of a
 * job's `results.jsonl`. Unknown keys are errors: the job manager writes these lines and reads
 * them back on `--resume`, so a key it does not know means another program (or a person) wrote
 * the line, and its result is not one to keep.
 */
import * as z from 'zod';
import { INPUT_ERROR_KINDS } from '../core/prediction.js';
import { intRange, numberRange } from '../util/schema.js';
import { MAX_VECTOR_VALUES } from './limits.js';
import { isVectorText } from './vector-encoding.js';

/** One predicted class: its index, its label when a labels file was given, and its score. */
export const classScoreSchema = z.strictObject({
  class: intRange(0),
  label: z.string().optional(),
  score: z.number(),
});

/** Where an embed job's vector of one input was written (a line of `results.jsonl`). */
export const embeddingRefSchema = z.strictObject({
  dims: intRange(1, MAX_VECTOR_VALUES),
  row: intRange(0),
});

/** An embed job's vector as a function returns it: base64 of little-endian float32 values. */
export const vectorTextSchema = z.string().refine(isVectorText, {
  error: 'expected base64 of little-endian float32 values (a non-empty multiple of 4 bytes)',
});

/** Whether an input's error may go away when tried again (absent on lines written before it was kept). */
export const inputErrorKindSchema = z.enum(INPUT_ERROR_KINDS);

/**
 * The outcome for one input: its top classes, its vector or an error, exactly one of them; an
 * error may say whether it is passing or permanent (`errorKind`, only beside an error).
 */
export const inputResultSchema = z
  .strictObject({
    key: z.string(),
    top: z.array(classScoreSchema).nullable(),
    error: z.string().nullable(),
    errorKind: inputErrorKindSchema.optional(),
    vector: vectorTextSchema.optional(),
    embedding: embeddingRefSchema.optional(),
  })
  .refine(
    (r) =>
      [r.top !== null, r.error !== null, r.vector !== undefined, r.embedding !== undefined].filter(Boolean)
        .length === 1,
    { error: 'needs exactly one of top, vector, embedding or error (top and error null otherwise)' },
  )
  .refine((r) => r.errorKind === undefined || r.error !== null, {
    error: 'errorKind goes only with an error',
    path: ['errorKind'],
  });

const time = numberRange({ min: 0 });
/** How a file was checked against its job's digest: hashed by the invocation, or a kept digest. */
const digestCheck = z.enum(['hashed', 'kept']);

/** Where a worker spent its time (a worker result's `timings`, and `job.json`'s invocations). */
export const workerTimingsSchema = z.strictObject({
  cold: z.boolean(),
  modelLoadMs: time,
  stageBusyMs: z.strictObject({ load: time, preprocess: time, predict: time }),
  wallMs: time,
  images: intRange(0),
  modelDigest: digestCheck.optional(),
  labelsDigest: digestCheck.optional(),
});

const count = intRange(0);

/**
 * What a function invocation returns, as far as the job manager records it: its splits (each
 * split's results are checked against the split's inputs when it is accepted), its timings, its
 * runtime and a dynamic worker's dispatch counts. A reply these refuse is not a worker result:
 * kept, it would make a `job.json` that the job's own readers refuse.
 */
export const workerResultSchema = z.looseObject({
  workerId: z.string(),
  splits: z.array(z.looseObject({ splitId: z.string(), results: z.array(z.unknown()) })),
  timings: workerTimingsSchema,
  runtime: z.looseObject({ pid: count, node: z.string(), platform: z.string() }),
  dispatch: z
    .strictObject({ assigned: count, accepted: count, duplicate: count, rejected: count, cancelled: count })
    .optional(),
});
