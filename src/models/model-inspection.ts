/**
 * What `obifaas model inspect` reports (pure): the model's description, and the contract a job
 * on it would run under with the given declarations (flags, a job spec) over the model's own
 * metadata: the preprocessing with where each field came from, the task and the labels, and
 * every reason the model does not fit (its input for the preprocessing, its output for the task).
 */
import type { PreprocessField, ResolvedPreprocess } from '../protocol/preprocess.js';
import { resolvePreprocess, type PreprocessDeclaration } from '../protocol/preprocess-resolve.js';
import { DEFAULT_TASK, type Task } from '../protocol/task-schema.js';
import { checkTaskOutput } from '../protocol/task-output.js';
import {
  fromMetadata,
  LABELS_METADATA_KEY,
  LABELS_SHA256_METADATA_KEY,
  PREPROCESS_METADATA_KEY,
  TASK_METADATA_KEY,
} from './contract-metadata.js';
import { contractFromMetadata } from './model-contract.js';
import { graphOutputs } from './graph-io.js';
import { describeGraph, type ModelDescription } from './model-description.js';
import type { OnnxGraph } from './onnx-graph.js';

/** A model and the contract a job would give it. */
export interface ModelInspection extends ModelDescription {
  file: string;
  sizeBytes: number;
  /** The preprocessing a job would run (a job is refused when `problems` is not empty). */
  preprocess: ResolvedPreprocess;
  /** Where each preprocessing field came from. */
  preprocessFrom: Partial<Record<PreprocessField, string>>;
  task: Task;
  taskFrom: string;
  /** The class names the model carries, or their digest. */
  labels: { count: number; from: string } | { sha256: string; from: string } | null;
  /** Why a job on this model would be refused (empty when it would run). */
  problems: string[];
}

/** The inspection of `graph` (the model file `file` of `sizeBytes`), with `declarations` above its metadata. */
export function inspectModel(
  graph: OnnxGraph,
  file: string,
  sizeBytes: number,
  declarations: readonly PreprocessDeclaration[] = [],
): ModelInspection {
  const description = describeGraph(graph);
  const problems: string[] = [];
  const { contract, issues } = contractFromMetadata(new Map(Object.entries(description.metadata)), file);
  for (const i of issues) problems.push(`${i.path}: ${i.message}`);
  const all = [
    ...declarations,
    ...(contract.preprocess
      ? [{ from: fromMetadata(PREPROCESS_METADATA_KEY), spec: contract.preprocess }]
      : []),
  ];
  const [input, ...more] = description.inputs;
  if (!input || more.length > 0)
    problems.push(
      `model ${file} has ${description.inputs.length} inputs (${description.inputs.map((i) => i.name).join(', ')}); need one image input`,
    );
  const resolved = resolvePreprocess(
    all,
    input && input.shape !== null && more.length === 0
      ? { model: file, name: input.name, dtype: input.dtype, shape: input.shape }
      : null,
  );
  for (const i of resolved.issues) problems.push(`${i.path}: ${i.message}`);
  const task = contract.task ?? DEFAULT_TASK;
  const output = checkTaskOutput(file, task, graphOutputs(graph));
  if (!output.ok) problems.push(output.problem);
  return {
    file,
    sizeBytes,
    ...description,
    preprocess: resolved.preprocess,
    preprocessFrom: resolved.sources,
    task,
    taskFrom: contract.task ? fromMetadata(TASK_METADATA_KEY) : 'default',
    labels: contract.labels
      ? { count: contract.labels.length, from: fromMetadata(LABELS_METADATA_KEY) }
      : contract.labelsSha256
        ? { sha256: contract.labelsSha256, from: fromMetadata(LABELS_SHA256_METADATA_KEY) }
        : null,
    problems,
  };
}
