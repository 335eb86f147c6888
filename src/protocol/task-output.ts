/**
 * Whether a model's output fits the task a job runs (pure). The job manager checks the model's
 * declared outputs before anything starts, and every function checks what its runtime reports
 * when it loads the model, with the same rules and the same words:
 *
 * - `classify` reads an output of shape `[N, C]`, C >= 1 (one score per class). A feature map
 *   such as `[N, 3, 224, 224]` is refused rather than read as 150,528 classes.
 * - `embed` reads an output of shape `[N, D]`, D >= 1, or any `[N, d1, d2, ...]`, flattened to
 *   one vector of d1 x d2 x ... values per input.
 *
 * Both need float32 values. A dimension the model leaves symbolic is accepted here and checked
 * on the values each batch returns.
 */
import { closestName } from '../util/suggest.js';
import { DEFAULT_ACTIVATION, type Activation, type Task } from './task-schema.js';

/** Outputs a refusal lists (a model may have thousands). */
const MAX_OUTPUTS_LISTED = 20;

/** A dimension: a size, or a name or null when the model does not fix it. */
export type Dim = number | string | null;

/** A tensor as a model declares it. */
export interface TensorInfo {
  name: string;
  /** Element type, as ONNX Runtime names it (`float32`, `int64`, `uint8`...). */
  type: string;
  /** Null when the model does not declare the shape (checked on the values instead). */
  shape: readonly Dim[] | null;
}

/** A task with every choice made: the output to read and how to read it. */
export type ResolvedTask =
  | { kind: 'classify'; output: string; activation: Activation; threshold: number | null }
  | { kind: 'embed'; output: string; normalize: boolean };

/** The task a job runs on a model, and the values per input its output gives (null: not fixed). */
export type TaskOutputCheck =
  { ok: true; task: ResolvedTask; width: number | null } | { ok: false; problem: string };

/** `[N, 3, 224, 224]`, with `?` for a dimension that has no name or size. */
export function shapeText(shape: readonly Dim[] | null): string {
  if (shape === null) return '(shape not declared)';
  return `[${shape.map((d) => (typeof d === 'number' && d >= 0 ? String(d) : typeof d === 'string' && d !== '' ? d : '?')).join(', ')}]`;
}

/** What a task needs of its output, in words. */
export function expectedShape(kind: Task['kind']): string {
  return kind === 'classify'
    ? '[N, C] (one score per class, C >= 1)'
    : '[N, D] (one vector per input, D >= 1; [N, d1, d2, ...] is flattened to d1 x d2 x ... values)';
}

function fixed(d: Dim): number | null {
  return typeof d === 'number' && d >= 0 ? d : null;
}

/** The task with its defaults filled in (the output named, or the model's first one). */
export function resolveTask(task: Task, outputName: string): ResolvedTask {
  const output = task.output ?? outputName;
  return task.kind === 'classify'
    ? {
        kind: 'classify',
        output,
        activation: task.activation ?? DEFAULT_ACTIVATION,
        threshold: task.threshold ?? null,
      }
    : { kind: 'embed', output, normalize: task.normalize ?? false };
}

/**
 * Checks that `model`'s outputs fit `task`, and that `labels` names (when given, for classify)
 * match its classes. A problem names the model, the tensor, the expected and the actual shape.
 */
export function checkTaskOutput(
  model: string,
  task: Task,
  outputs: readonly TensorInfo[],
  labels?: { count: number; file: string },
): TaskOutputCheck {
  const first = outputs[0];
  if (!first) return { ok: false, problem: `model ${model} has no outputs` };
  const resolved = resolveTask(task, first.name);
  const output = outputs.find((o) => o.name === resolved.output);
  if (!output) {
    const listed = outputs.slice(0, MAX_OUTPUTS_LISTED).map((o) => `'${o.name}' ${shapeText(o.shape)}`);
    if (outputs.length > MAX_OUTPUTS_LISTED) listed.push(`and ${outputs.length - MAX_OUTPUTS_LISTED} more`);
    const names = listed.join(', ');
    const hint = closestName(
      resolved.output,
      outputs.map((o) => o.name),
    );
    return {
      ok: false,
      problem: `model ${model} has no output '${resolved.output}' (task ${task.kind}); ${hint ? `did you mean '${hint}'? ` : ''}its outputs: ${names}`,
    };
  }
  const where = `model ${model}: output '${output.name}'`;
  const expected = `task ${task.kind} needs ${expectedShape(task.kind)}`;
  if (output.type !== 'float32')
    return { ok: false, problem: `${where} holds ${output.type} values; ${expected} of float32` };
  const { shape } = output;
  if (shape === null) return { ok: true, task: resolved, width: null };
  const rankOk = task.kind === 'classify' ? shape.length === 2 : shape.length >= 2;
  const tail = shape.slice(1).map(fixed);
  if (!rankOk || tail.some((d) => d === 0)) {
    // A feature map has a reading: one vector per input.
    const embed =
      task.kind === 'classify' && shape.length > 2 && !tail.some((d) => d === 0)
        ? '; task embed reads it as one vector per input'
        : '';
    return { ok: false, problem: `${where} has shape ${shapeText(shape)}; ${expected}${embed}` };
  }
  const width = tail.every((d) => d !== null) ? tail.reduce<number>((a, d) => a * (d as number), 1) : null;
  if (task.kind === 'classify' && labels && width !== null && labels.count !== width) {
    return {
      ok: false,
      problem: `labels file ${labels.file} has ${labels.count} names but ${where} has ${width} classes ${shapeText(shape)}`,
    };
  }
  return { ok: true, task: resolved, width };
}
