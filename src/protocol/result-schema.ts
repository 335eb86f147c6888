/**
 * The schema of one input's result (pure): what a function reports per input, and a line of a
 * job's `results.jsonl`. Unknown keys are errors: the job manager writes these lines and reads
 * them back on `--resume`, so a key it does not know means another program (or a person) wrote
 * the line, and its result is not one to keep.
 */
import { z } from 'zod';
import { intRange, numberRange } from '../util/schema.js';

/** One predicted class: its index, its label when a labels file was given, and its score. */
export const classScoreSchema = z.strictObject({
  class: intRange(0),
  label: z.string().optional(),
  score: z.number(),
});

/** The outcome for one input: its top classes or an error, never both. */
export const inputResultSchema = z
  .strictObject({
    key: z.string(),
    top: z.array(classScoreSchema).nullable(),
    error: z.string().nullable(),
  })
  .refine((r) => (r.top === null) !== (r.error === null), {
    error: 'needs top or error, the other one null',
  });

const time = numberRange({ min: 0 });

/** Where a worker spent its time (a worker result's `timings`, and `job.json`'s invocations). */
export const workerTimingsSchema = z.strictObject({
  cold: z.boolean(),
  modelLoadMs: time,
  stageBusyMs: z.strictObject({ load: time, preprocess: time, predict: time }),
  wallMs: time,
  images: intRange(0),
});
