/**
 * The `task:` section of job options (pure): what a job computes from its model's output, as a
 * user writes it in flags, a config file or environment variables. Every field is optional here:
 * what is left out comes from the model's own metadata or the defaults when the job starts
 * ({@link jobTask}), and the task that runs is checked with the one task schema
 * (`protocol/task-schema.ts`), which the worker payload and model metadata use too.
 */
import * as z from 'zod';
import { SpecError, type Issue } from '../errors.js';
import { ACTIVATIONS, DEFAULT_TASK, TASK_KINDS, taskSchema, type Task } from '../protocol/task-schema.js';
import { checkSchema, nonEmptyString, numberRange } from '../util/schema.js';
import { configKey } from './config-meta.js';

/** The task options of a job, each optional (flags `--task`, `--output`, `--activation`...). */
export const taskOptionsSchema = z.strictObject({
  kind: configKey(z.enum(TASK_KINDS), {
    flag: '--task',
    valueName: 'KIND',
    env: 'OBIFAAS_TASK',
    defaultText: "the model's, else classify",
    description:
      'classify (top-k classes per input) or embed (a vector per input, written to embeddings.parquet)',
  }).optional(),
  output: configKey(nonEmptyString, {
    flag: '--output',
    valueName: 'NAME',
    env: 'OBIFAAS_OUTPUT',
    defaultText: "the model's first output",
    description: 'graph output to read (embed: [N, D], or [N, ...] flattened to one vector per input)',
  }).optional(),
  activation: configKey(z.enum(ACTIVATIONS), {
    flag: '--activation',
    valueName: 'NAME',
    env: 'OBIFAAS_ACTIVATION',
    defaultText: 'auto',
    description:
      'classify: softmax (logits), none (probabilities), sigmoid (multi-label) or auto (probabilities when rows sum to 1)',
  }).optional(),
  threshold: configKey(numberRange({ min: 0, max: 1 }), {
    flag: '--threshold',
    valueName: 'P',
    env: 'OBIFAAS_THRESHOLD',
    defaultText: 'none',
    description: 'classify with sigmoid: report only the classes scoring at least P',
  }).optional(),
  normalize: configKey(z.boolean(), {
    flag: '--normalize',
    valueName: 'BOOL',
    env: 'OBIFAAS_NORMALIZE',
    defaultText: 'false',
    description: 'embed: L2-normalise each vector',
  }).optional(),
});

/** The task options as given (every field optional). */
export type TaskOptions = z.output<typeof taskOptionsSchema>;

const CLASSIFY_ONLY = ['activation', 'threshold'] as const;
const EMBED_ONLY = ['normalize'] as const;

/** Issues for settings of the other kind of task than `kind` (an embed job's `activation`). */
function otherKindIssues(kind: unknown, given: Record<string, unknown>): Issue[] {
  const other = kind === 'embed' ? CLASSIFY_ONLY : kind === 'classify' ? EMBED_ONLY : [];
  return other
    .filter((k) => k in given)
    .map((k) => ({
      path: `task.${k}`,
      message: `a setting of ${kind === 'embed' ? 'classify' : 'embed'} tasks; this task is ${String(kind)}`,
    }));
}

/**
 * The task options as given, checked for what can be checked before the model is read: with a
 * kind, the whole task schema; without one, no mix of classify and embed settings. Issues go to
 * `issues`, each under `task.`.
 */
export function compileTaskOptions(
  options: TaskOptions | undefined,
  issues: Issue[],
): TaskOptions | undefined {
  if (options === undefined) return undefined;
  const given = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
  if (Object.keys(given).length === 0) return undefined;
  if (given.kind !== undefined) {
    const misplaced = otherKindIssues(given.kind, given);
    issues.push(...misplaced);
    const checked = misplaced.length > 0 ? null : checkSchema(taskSchema, given, 'task');
    if (checked && !checked.ok) issues.push(...checked.issues);
    return given as TaskOptions;
  }
  const classify = CLASSIFY_ONLY.filter((k) => k in given);
  const embed = EMBED_ONLY.filter((k) => k in given);
  if (classify.length > 0 && embed.length > 0) {
    issues.push({
      path: `task.${embed[0]}`,
      message: `an embed setting, given with the classify setting task.${classify[0]}; set task.kind`,
    });
  }
  return given as TaskOptions;
}

/**
 * The task a job runs: its options over the task the model declares (`fromModel`, when it
 * declares one) over the default, field by field; a model's settings of another kind than the
 * one chosen are left out. Throws {@link SpecError} (exit 2) naming each bad field.
 */
export function jobTask(options: TaskOptions | undefined, fromModel?: Task): Task {
  const base = fromModel ?? DEFAULT_TASK;
  const kind = options?.kind ?? base.kind;
  const inherited = base.kind === kind ? base : { kind };
  const merged = {
    ...inherited,
    ...Object.fromEntries(Object.entries(options ?? {}).filter(([, v]) => v !== undefined)),
    kind,
  };
  const misplaced = otherKindIssues(kind, merged);
  if (misplaced.length > 0) throw new SpecError(misplaced, 'invalid task');
  const checked = checkSchema(taskSchema, merged, 'task');
  if (!checked.ok) throw new SpecError(checked.issues, 'invalid task');
  return checked.data;
}
