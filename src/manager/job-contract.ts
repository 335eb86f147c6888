/**
 * The model's contract, resolved before any function starts: the preprocessing declared by the
 * flags, the job spec and the model's own metadata (in that order of precedence, then the
 * default preset), checked against the model's input; the task and labels the model declares.
 * A model that does not fit its declared preprocessing is refused here (a {@link ModelError},
 * exit 2) naming the model, the tensor, the expected and the actual shape.
 *
 * The model is read from its graph: a local file, or (for remote functions) a copy of its
 * `s3://` object in the cache. Bytes that are not an ONNX model are left to the functions'
 * runtime to explain.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { StorageRef } from '../core/storage-ref.js';
import { ModelError, type Issue } from '../errors.js';
import {
  fromMetadata,
  LABELS_METADATA_KEY,
  LABELS_SHA256_METADATA_KEY,
  PREPROCESS_METADATA_KEY,
  TASK_METADATA_KEY,
} from '../models/contract-metadata.js';
import { describeValue, feedInputs } from '../models/model-description.js';
import { contractFromMetadata, labelsDigest, type DeclaredContract } from '../models/model-contract.js';
import { readGraph, type OnnxGraph } from '../models/onnx-graph.js';
import type { ModelRef } from '../protocol/invocation.js';
import type { ResolvedPreprocess } from '../protocol/preprocess.js';
import { resolvePreprocess, type PreprocessDeclaration } from '../protocol/preprocess-resolve.js';
import type { Task } from '../protocol/task-schema.js';
import type { ResolvedJobSpec } from '../spec/types.js';
import { isS3Location, type S3LocationOptions } from '../storage/uri.js';
import { obifaasHome } from '../util/paths.js';
import { loadLabels } from '../worker/model-source.js';
import { localCopy, s3Options } from './job-model.js';

/** What `job.json` records of the contract: each part, and where it came from. */
export interface ContractRecord {
  preprocess: ResolvedPreprocess;
  /** The task the model declares (`obifaas.task`), when it declares one. */
  declaredTask?: Task;
  /** Where each part came from: `preprocess.size`, ..., `labels`, `task`. */
  from: Record<string, string>;
}

/** The model as its functions get it, and the contract it runs under. */
export interface JobContract {
  /** With the resolved preprocessing (absent when the model could not be read as ONNX here). */
  model: ModelRef;
  /** What the model declares in its metadata. */
  declared: DeclaredContract;
  /** Null when the model could not be read as ONNX here (its functions say why). */
  record: ContractRecord | null;
}

/** The model's graph, or null for bytes that are not ONNX. */
async function modelGraph(
  model: ModelRef,
  s3: S3LocationOptions,
  home: string | undefined,
): Promise<OnnxGraph | null> {
  const file = isS3Location(model.uri)
    ? await localCopy(model.uri, 'model', path.join(home ?? obifaasHome(), 'remote-models'), s3)
    : model.uri;
  const bytes = await readFile(file);
  try {
    return readGraph(bytes);
  } catch {
    return null; // not ONNX we can parse: the functions' runtime says what is wrong with it
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
 * for a model whose input does not fit the preprocessing, whose metadata does not parse, or
 * whose labels digest does not match the job's labels.
 */
export async function resolveJobContract(
  spec: ResolvedJobSpec,
  model: ModelRef,
  storage: StorageRef,
  options: { home?: string } = {},
): Promise<JobContract> {
  const graph = await modelGraph(model, s3Options(storage, spec), options.home);
  if (!graph) return { model, declared: {}, record: null };
  const metadata = new Map(graph.metadata.map((m) => [m.key, m.value]));
  const { contract: declared, issues } = contractFromMetadata(metadata, model.uri);
  if (issues.length > 0) throw new ModelError(issues.map((i) => `${i.path}: ${i.message}`).join('; '));
  const inputs = feedInputs(graph);
  if (inputs.length !== 1)
    throw new ModelError(
      `model ${model.uri} has ${inputs.length} inputs (${inputs.map((i) => i.name).join(', ')}); need one image input`,
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
      : { model: model.uri, name: input.name, dtype: input.dtype, shape: input.shape },
  );
  if (resolved.issues.length > 0) throw refuse(model.uri, resolved.issues);
  const from: Record<string, string> = Object.fromEntries(
    Object.entries(resolved.sources).map(([field, source]) => [`preprocess.${field}`, source]),
  );
  await checkLabels(model, declared, from);
  if (declared.task) from.task = fromMetadata(TASK_METADATA_KEY);
  return {
    model: { ...model, preprocess: resolved.preprocess },
    declared,
    record: {
      preprocess: resolved.preprocess,
      ...(declared.task ? { declaredTask: declared.task } : {}),
      from,
    },
  };
}

/**
 * The job's labels file against the names or digest the model declares; without a labels file,
 * the model's own names (its functions read them from its metadata).
 */
async function checkLabels(
  model: ModelRef,
  declared: DeclaredContract,
  from: Record<string, string>,
): Promise<void> {
  if (model.labelsUri === undefined) {
    if (declared.labels) from.labels = fromMetadata(LABELS_METADATA_KEY);
    return;
  }
  from.labels = model.labelsUri;
  const want = declared.labelsSha256 ?? (declared.labels ? labelsDigest(declared.labels) : undefined);
  if (want === undefined || isS3Location(model.labelsUri)) return;
  const given = await loadLabels(model.labelsUri);
  if (labelsDigest(given) !== want) {
    const key = declared.labelsSha256 ? LABELS_SHA256_METADATA_KEY : LABELS_METADATA_KEY;
    throw new ModelError(
      `labels file ${model.labelsUri} (${given.length} names) is not the one model ${model.uri} declares (${key}${declared.labels ? `, ${declared.labels.length} names` : ''}); leave --labels out to use the model's, or annotate the model again`,
    );
  }
}
