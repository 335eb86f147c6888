/**
 * Writes a model's contract into its `metadata_props` (`obifaas model annotate`), after checking
 * it against the model: the preprocessing must fit the input (it is stored resolved, every field
 * given, so the model keeps meaning the same whatever later versions do with presets), the task's
 * output must exist, the labels must match the classes. Everything else in the file is copied
 * byte for byte (`onnx-graph.ts`).
 */
import { ModelError, UserError } from '../errors.js';
import { specOfResolved, type PreprocessSpec, type ResolvedPreprocess } from '../protocol/preprocess.js';
import { resolvePreprocess } from '../protocol/preprocess-resolve.js';
import { taskSchema, type Task, type TaskKind } from '../protocol/task-schema.js';
import { checkSchema } from '../util/schema.js';
import { closestName } from '../util/suggest.js';
import { LABELS_METADATA_KEY, LABELS_SHA256_METADATA_KEY } from './contract-metadata.js';
import { contractEntries, contractFromMetadata } from './model-contract.js';
import { describeValue, feedInputs } from './model-description.js';
import { editGraph, type OnnxGraph } from './onnx-graph.js';

/** What to write; what is left out keeps the model's current declaration. */
export interface AnnotateRequest {
  /** The preprocessing spec, and where it was given (`--preprocess clip`). */
  preprocess?: { spec: PreprocessSpec; from: string };
  /** The task's kind and output; other settings of the same kind already declared are kept. */
  task?: { kind?: TaskKind; output?: string };
  labels?: string[];
}

/** The annotated model, and what it now declares. */
export interface Annotated {
  bytes: Uint8Array;
  preprocess?: ResolvedPreprocess;
  task?: Task;
  labels?: number;
  /** The metadata entries written. */
  written: Array<{ key: string; value: string }>;
}

function chosenTask(
  graph: OnnxGraph,
  file: string,
  current: Task | undefined,
  request: AnnotateRequest['task'],
): Task {
  const kind = request?.kind ?? current?.kind ?? 'classify';
  const kept = current && current.kind === kind ? current : { kind };
  const candidate = { ...kept, kind, ...(request?.output !== undefined ? { output: request.output } : {}) };
  const checked = checkSchema(taskSchema, candidate, 'task');
  if (!checked.ok) throw new UserError(checked.issues.map((i) => `${i.path}: ${i.message}`).join('; '));
  const output = checked.data.output;
  const names = graph.outputs.map((o) => o.name);
  if (output !== undefined && !names.includes(output)) {
    const hint = closestName(output, names);
    throw new UserError(
      `--output ${output}: model ${file} has no output '${output}'; ${hint ? `did you mean '${hint}'? ` : ''}its outputs: ${names.join(', ')}`,
    );
  }
  return checked.data;
}

/** Classes of the output a classify task reads, when its shape fixes them (`[N, C]`). */
function classesOf(graph: OnnxGraph, task: Task): number | null {
  const name = task.output ?? graph.outputs[0]?.name;
  const output = graph.outputs.find((o) => o.name === name);
  const shape = output ? describeValue(output).shape : null;
  return shape && shape.length === 2 && typeof shape[1] === 'number' ? shape[1] : null;
}

/** `graph` (the model file `file`) with `request` written into its metadata. */
export function annotateModel(graph: OnnxGraph, file: string, request: AnnotateRequest): Annotated {
  const metadata = new Map(graph.metadata.map((m) => [m.key, m.value]));
  const { contract: current } = contractFromMetadata(metadata, file);
  const out: Omit<Annotated, 'bytes' | 'written'> = {};
  let spec: PreprocessSpec | undefined;
  if (request.preprocess) {
    const inputs = feedInputs(graph).map(describeValue);
    const input = inputs.length === 1 ? inputs[0] : undefined;
    if (!input) throw new ModelError(`model ${file} has ${inputs.length} inputs; need one image input`);
    const resolved = resolvePreprocess(
      [request.preprocess],
      input.shape === null ? null : { model: file, name: input.name, dtype: input.dtype, shape: input.shape },
    );
    if (resolved.issues.length > 0)
      throw new ModelError(
        `cannot annotate: ${resolved.issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
      );
    spec = specOfResolved(resolved.preprocess, request.preprocess.spec.preset);
    out.preprocess = resolved.preprocess;
  }
  const taskGiven =
    request.task !== undefined && (request.task.kind !== undefined || request.task.output !== undefined);
  const task = taskGiven ? chosenTask(graph, file, current.task, request.task) : undefined;
  if (task) out.task = task;
  if (request.labels) {
    const effective = task ?? current.task ?? { kind: 'classify' as const };
    const classes = effective.kind === 'classify' ? classesOf(graph, effective) : null;
    if (classes !== null && classes !== request.labels.length)
      throw new ModelError(
        `--labels has ${request.labels.length} names but model ${file} has ${classes} classes (output '${effective.output ?? graph.outputs[0]?.name}')`,
      );
    out.labels = request.labels.length;
  }
  const written = contractEntries({
    ...(spec ? { preprocess: spec } : {}),
    ...(task ? { task } : {}),
    ...(request.labels ? { labels: request.labels } : {}),
  });
  const bytes = editGraph(graph, {
    metadata: written,
    ...(request.labels ? { removeMetadata: new Set([LABELS_METADATA_KEY, LABELS_SHA256_METADATA_KEY]) } : {}),
  });
  return { bytes, ...out, written };
}
