/**
 * The model's contract, resolved once before any function starts, from one reading of the model's
 * graph: the preprocessing declared by the flags, the job spec and the model's own metadata (in
 * that order of precedence, then the default preset), checked against the model's input; the
 * task (the job's options over the model's `obifaas.task` over the default), checked against the
 * model's outputs; and the labels, checked against the names or digest the model declares and
 * against its number of classes. A model that does not fit is refused here (a
 * {@link ModelError}, exit 2) naming the model, the tensor, the expected and the actual shape,
 * before the output folder is written.
 *
 * The graph is read from a local file, or (for remote functions) from a copy of its `s3://`
 * object in the cache. Bytes that are not an ONNX model (a labels file given as the model, a
 * truncated download) are refused here too, as `obifaas model inspect` refuses them; only a
 * model in ONNX Runtime's own format (`.ort`, which this reader does not parse) is left to the
 * functions' runtime. A labels file in S3 is checked by the functions that read it.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { StorageRef } from '../core/storage-ref.js';
import { ModelError, SpecError, type Issue } from '../errors.js';
import {
  fromMetadata,
  LABELS_METADATA_KEY,
  LABELS_SHA256_METADATA_KEY,
  PREPROCESS_METADATA_KEY,
  TASK_METADATA_KEY,
} from '../models/contract-metadata.js';
import { graphOutputs } from '../models/graph-io.js';
import { describeValue, feedInputs, isQuantized } from '../models/model-description.js';
import { contractFromMetadata, labelsDigest, type DeclaredContract } from '../models/model-contract.js';
import { OnnxFormatError, readGraph, type OnnxGraph } from '../models/onnx-graph.js';
import { isOrtFormat } from '../models/onnx-operators.js';
import type { ModelRef } from '../protocol/invocation.js';
import type { ResolvedPreprocess } from '../protocol/preprocess.js';
import { resolvePreprocess, type PreprocessDeclaration } from '../protocol/preprocess-resolve.js';
import { checkTaskOutput, type ResolvedTask } from '../protocol/task-output.js';
import type { Task } from '../protocol/task-schema.js';
import { JOB_SPEC_SOURCE } from '../spec/defaults.js';
import { jobTask } from '../spec/task-options.js';
import type { ResolvedJobSpec } from '../spec/types.js';
import { isS3Location, type S3LocationOptions } from '../storage/uri.js';
import { obifaasHome } from '../util/paths.js';
import { loadLabels } from '../worker/model-source.js';
import { localCopy, s3Options } from './job-model.js';

/** Where a part of the contract came from when nothing declared it. */
export const DEFAULT_SOURCE = 'default';

/**
 * What `job.json` records of the contract: the preprocessing, and where each part came from (the
 * task itself is the record's `task`).
 */
export interface ContractRecord {
  preprocess: ResolvedPreprocess;
  /**
   * Where each part came from: `preprocess.size`, ..., `task.kind`, `task.output`, ..., and
   * `labels` (a flag or variable, a config file, the model's metadata, or `default`).
   */
  from: Record<string, string>;
  /**
   * True when the model has quantized operators or 8-bit weights (`model inspect`'s `quantized`);
   * absent in records written before it was recorded.
   */
  quantized?: boolean;
}

/** The task of a job, as checked against its model. */
export interface JobTask {
  /** What the functions receive. */
  task: Task;
  /** The task with its output chosen; null when the model could not be read here. */
  resolved: ResolvedTask | null;
  /** Values per input of the chosen output, when the model fixes them. */
  width: number | null;
}

/** The model as its functions get it, and the contract it runs under. */
export interface JobContract {
  /** With the resolved preprocessing (absent for a model in ONNX Runtime's own format, which is not read here). */
  model: ModelRef;
  /** The job's task, checked against the model's outputs when it could be read. */
  task: JobTask;
  /** Null for a model in ONNX Runtime's own format (its functions read it). */
  record: ContractRecord | null;
}

/**
 * The model's graph (an S3 model through its cached copy), or null for a model in ONNX Runtime's
 * own format; {@link ModelError} for bytes that are neither.
 */
async function modelGraph(
  model: ModelRef,
  s3: S3LocationOptions,
  home: string | undefined,
): Promise<OnnxGraph | null> {
  const file = isS3Location(model.uri)
    ? await localCopy(model.uri, 'model', path.join(home ?? obifaasHome(), 'remote-models'), s3)
    : model.uri;
  const bytes = await readFile(file);
  if (isOrtFormat(bytes)) return null; // the functions' runtime reads it, and says what is wrong with it
  try {
    return readGraph(bytes);
  } catch (err) {
    if (!(err instanceof OnnxFormatError)) throw err;
    const what = bytes.length === 0 ? 'an empty file, not an ONNX model' : err.message;
    throw new ModelError(`model ${model.uri}: ${what}`, { cause: err });
  }
}

/** One message for every way the model does not fit, naming the model once. */
function refuse(model: string, issues: readonly Issue[]): ModelError {
  const named = `model ${model}, `;
  const where = (path: string): string => (path.startsWith(named) ? path.slice(named.length) : path);
  return new ModelError(
    `model ${model} does not fit: ${issues.map((i) => `${where(i.path)}: ${i.message}`).join('; ')}`,
  );
}

/**
 * The contract of `spec`'s model (`model`: as its functions get it). Throws {@link ModelError}
 * for a model whose input does not fit the preprocessing, whose outputs do not fit the task,
 * whose metadata does not parse, or whose labels do not match the job's labels file.
 */
export async function resolveJobContract(
  spec: ResolvedJobSpec,
  model: ModelRef,
  storage: StorageRef,
  options: { home?: string } = {},
): Promise<JobContract> {
  const graph = await modelGraph(model, s3Options(storage, spec), options.home);
  if (!graph) return { model, task: { task: jobTask(spec.task), resolved: null, width: null }, record: null };
  const metadata = new Map(graph.metadata.map((m) => [m.key, m.value]));
  const { contract: declared, issues } = contractFromMetadata(metadata, model.uri);
  if (issues.length > 0) throw new ModelError(issues.map((i) => `${i.path}: ${i.message}`).join('; '));
  const preprocess = modelPreprocess(spec, model.uri, graph, declared);
  const task = jobTask(spec.task, declared.task);
  const taskFrom = taskSources(spec, task, declared.task);
  refuseClassifySettings(spec, model, task, taskFrom);
  const labels =
    model.labelsUri === undefined || isS3Location(model.labelsUri)
      ? undefined
      : await loadLabels(model.labelsUri);
  checkLabels(model, declared, labels);
  const checked = checkTaskOutput(
    model.uri,
    task,
    graphOutputs(graph),
    task.kind === 'classify' && labels && model.labelsUri
      ? { count: labels.length, file: model.labelsUri }
      : undefined,
  );
  if (!checked.ok) throw new ModelError(checked.problem);
  const from: Record<string, string> = {
    ...Object.fromEntries(
      Object.entries(preprocess.sources).map(([field, source]) => [`preprocess.${field}`, source]),
    ),
    ...taskFrom,
    ...labelsSource(model, declared),
  };
  return {
    model: { ...model, preprocess: preprocess.preprocess },
    task: { task, resolved: checked.task, width: checked.width },
    record: { preprocess: preprocess.preprocess, from, quantized: isQuantized(graph) },
  };
}

/**
 * Refuses the classify settings (`topK`, `labels`) of a job whose model makes it an embed job
 * (its `obifaas.task`), as the job spec refuses them beside `task.kind: embed`: a vector per
 * input has no classes to rank or name.
 */
function refuseClassifySettings(
  spec: ResolvedJobSpec,
  model: ModelRef,
  task: Task,
  from: Record<string, string>,
): void {
  if (task.kind !== 'embed') return;
  const embed = `this task is embed (task.kind: ${from['task.kind'] ?? DEFAULT_SOURCE} of ${model.uri})`;
  const issues: Issue[] = [];
  if (spec.topKSource !== undefined) {
    const given = spec.topKSource === JOB_SPEC_SOURCE ? '' : ` (from ${spec.topKSource})`;
    issues.push({ path: `topK${given}`, message: `a setting of classify tasks; ${embed}` });
  }
  if (model.labelsUri !== undefined)
    issues.push({ path: 'labels', message: `class names are for classify tasks; ${embed}` });
  if (issues.length > 0) throw new SpecError(issues, 'invalid task');
}

/** The preprocessing of a model whose graph is `graph`, checked against its one input. */
function modelPreprocess(spec: ResolvedJobSpec, uri: string, graph: OnnxGraph, declared: DeclaredContract) {
  const inputs = feedInputs(graph);
  if (inputs.length !== 1)
    throw new ModelError(
      `model ${uri} has ${inputs.length} inputs (${inputs.map((i) => i.name).join(', ')}); need one image input`,
    );
  const input = describeValue(inputs[0]!);
  const declarations: PreprocessDeclaration[] = [
    ...(spec.preprocess ?? []),
    ...(declared.preprocess
      ? [{ from: fromMetadata(PREPROCESS_METADATA_KEY), spec: declared.preprocess }]
      : []),
  ];
  const resolved = resolvePreprocess(
    declarations,
    input.dtype === 'non-tensor' || input.shape === null
      ? null
      : { model: uri, name: input.name, dtype: input.dtype, shape: input.shape },
  );
  if (resolved.issues.length > 0) throw refuse(uri, resolved.issues);
  return resolved;
}

/**
 * Where each field of `task` came from: the job's options (the flag, variable or file that set
 * it; the job spec when not known), the model's metadata, or the default.
 */
export function taskSources(
  spec: ResolvedJobSpec,
  task: Task,
  fromModel: Task | undefined,
): Record<string, string> {
  const given = spec.task ?? {};
  const inherited = fromModel?.kind === task.kind ? fromModel : undefined;
  return Object.fromEntries(
    Object.keys(task).map((field) => {
      const source =
        (given as Record<string, unknown>)[field] !== undefined
          ? (spec.taskSources?.[field] ?? JOB_SPEC_SOURCE)
          : inherited && (inherited as Record<string, unknown>)[field] !== undefined
            ? fromMetadata(TASK_METADATA_KEY)
            : DEFAULT_SOURCE;
      return [`task.${field}`, source];
    }),
  );
}

/** Where the labels came from: the job's labels file, the model's names, or none. */
function labelsSource(model: ModelRef, declared: DeclaredContract): Record<string, string> {
  if (model.labelsUri !== undefined) return { labels: model.labelsUri };
  return declared.labels ? { labels: fromMetadata(LABELS_METADATA_KEY) } : {};
}

/**
 * The job's labels (`labels`, read from its local labels file) against the names or digest the
 * model declares; without a labels file, the model's own names are used by its functions.
 */
function checkLabels(
  model: ModelRef,
  declared: DeclaredContract,
  labels: readonly string[] | undefined,
): void {
  const want = declared.labelsSha256 ?? (declared.labels ? labelsDigest(declared.labels) : undefined);
  if (want === undefined || labels === undefined || labelsDigest(labels) === want) return;
  const key = declared.labelsSha256 ? LABELS_SHA256_METADATA_KEY : LABELS_METADATA_KEY;
  throw new ModelError(
    `labels file ${model.labelsUri} (${labels.length} names) is not the one model ${model.uri} declares (${key}${declared.labels ? `, ${declared.labels.length} names` : ''}); leave --labels out to use the model's, or annotate the model again`,
  );
}
