/**
 * The schema of a task (pure): what a job computes from a model's output. The same schema reads
 * the `task:` section of a job spec, a worker payload's `task` and the task a model declares in
 * its metadata, so the three cannot drift apart.
 *
 * - `classify`: the top classes of each input from an output of shape `[N, C]`. `activation`
 *   says what the output holds: `softmax` (logits, soft-maxed), `none` (already probabilities),
 *   `sigmoid` (independent logits of a multi-label model; with `threshold`, only the classes
 *   scoring at least that are reported) or `auto` (probabilities when a row's values lie in
 *   [0, 1] and sum to 1, logits otherwise).
 * - `embed`: one vector per input from an output of shape `[N, D]` or any shape whose trailing
 *   dimensions flatten to one vector per input, optionally L2-normalised.
 *
 * `output` names the graph output to read; without it, the model's first output is read.
 * Objects are strict: an unknown key is an error, never dropped.
 */
import * as z from 'zod';
import { nonEmptyString, numberRange } from '../util/schema.js';

/** The kinds of task a job can run. */
export const TASK_KINDS = ['classify', 'embed'] as const;

/** What a classifier's output holds, and so how its scores are made. */
export const ACTIVATIONS = ['auto', 'softmax', 'none', 'sigmoid'] as const;

/** The activation of a classify task that names none. */
export const DEFAULT_ACTIVATION = 'auto' satisfies (typeof ACTIVATIONS)[number];

/** The name of a graph output (any output of the model). */
const outputName = nonEmptyString.optional();

/** A classify task: top classes per input. */
export const classifyTaskSchema = z
  .strictObject({
    kind: z.literal('classify'),
    output: outputName,
    activation: z.enum(ACTIVATIONS).optional(),
    threshold: numberRange({ min: 0, max: 1 }).optional(),
  })
  .refine((t) => t.threshold === undefined || t.activation === 'sigmoid', {
    path: ['threshold'],
    error: "a threshold needs activation 'sigmoid' (multi-label scores)",
  });

/** An embed task: one vector per input. */
export const embedTaskSchema = z.strictObject({
  kind: z.literal('embed'),
  output: outputName,
  normalize: z.boolean().optional(),
});

/** A task as a job spec, a payload or a model's metadata gives it. */
export const taskSchema = z.discriminatedUnion('kind', [classifyTaskSchema, embedTaskSchema]);

/** A task, as written (optional fields may be missing). */
export type Task = z.output<typeof taskSchema>;
/** A classify task, as written. */
export type ClassifyTask = z.output<typeof classifyTaskSchema>;
/** An embed task, as written. */
export type EmbedTask = z.output<typeof embedTaskSchema>;
/** One of {@link TASK_KINDS}. */
export type TaskKind = Task['kind'];
/** One of {@link ACTIVATIONS}. */
export type Activation = (typeof ACTIVATIONS)[number];

/** The task of a job that names none: today's classifier, its activation detected. */
export const DEFAULT_TASK: Task = { kind: 'classify' };
