/**
 * The task a job runs, checked before anything starts: the output it reads must fit the task
 * (`[N, C]` for classify, `[N, D]` or a shape that flattens per input for embed), labels must
 * match the classes, and an embed job's replies must fit the transport that carries them. A
 * mismatch is a {@link ModelError} or {@link UserError} (exit 2) naming the model, the tensor,
 * the expected and the actual shape, raised before the output folder is written.
 *
 * The model is read from its graph when it is a local file; a model only the functions can
 * read (in S3, for remote functions) is checked by each function when it loads it.
 */
import { readFile } from 'node:fs/promises';
import { ModelError, UserError } from '../errors.js';
import { graphOutputs } from '../models/graph-io.js';
import { readGraph } from '../models/onnx-graph.js';
import type { ModelRef } from '../protocol/invocation.js';
import { FUNCTION_REPLY_LIMITS, MAX_DISPATCHER_MESSAGE_BYTES } from '../protocol/limits.js';
import { embedReplyBytes, megabytes, REPLY_OVERHEAD_BYTES } from '../protocol/reply-size.js';
import { checkTaskOutput, type ResolvedTask, type TensorInfo } from '../protocol/task-output.js';
import type { Task } from '../protocol/task-schema.js';
import { isS3Location } from '../storage/uri.js';
import { jobTask } from '../spec/task-options.js';
import type { ResolvedJobSpec } from '../spec/types.js';
import { loadLabels } from '../worker/model-source.js';
import { planSplits } from '../job-plan/plan-job.js';

/** The task of a job, as checked against its model. */
export interface JobTask {
  /** What the functions receive. */
  task: Task;
  /** The task with its output chosen; null when the model could not be read here. */
  resolved: ResolvedTask | null;
  /** Values per input of the chosen output, when the model fixes them. */
  width: number | null;
}

/** The outputs of a local model file, or null when it is remote or not readable as ONNX here. */
async function localOutputs(uri: string): Promise<TensorInfo[] | null> {
  if (isS3Location(uri)) return null;
  try {
    return graphOutputs(readGraph(await readFile(uri)));
  } catch {
    return null; // not ONNX we can parse: the function's runtime says what is wrong with it
  }
}

/**
 * The task of `spec` on `model` (its resolved location), checked against the model's outputs
 * and its labels. `fromModel` is the task the model's metadata declares, if any.
 */
export async function resolveJobTask(
  spec: ResolvedJobSpec,
  model: ModelRef,
  fromModel?: Task,
): Promise<JobTask> {
  const task = jobTask(spec.task, fromModel);
  const outputs = await localOutputs(model.uri);
  if (outputs === null) return { task, resolved: null, width: null };
  const labelsFile =
    task.kind === 'classify' && model.labelsUri && !isS3Location(model.labelsUri)
      ? model.labelsUri
      : undefined;
  const labels = labelsFile ? { count: (await loadLabels(labelsFile)).length, file: labelsFile } : undefined;
  const checked = checkTaskOutput(model.uri, task, outputs, labels);
  if (!checked.ok) throw new ModelError(checked.problem);
  return { task, resolved: checked.task, width: checked.width };
}

/**
 * Refuses an embed job whose vectors could not come back: the largest invocation's (static) or
 * split's (dynamic) vectors over the reply limit of the backend or the dispatcher's message
 * limit. Needs the vector length (a model whose length is not fixed is checked by its functions).
 */
export function checkEmbedReplies(spec: ResolvedJobSpec, keys: readonly string[], checked: JobTask): void {
  if (checked.task.kind !== 'embed' || checked.width === null) return;
  const dims = checked.width;
  const keyBytes = keys.reduce((a, k) => Math.max(a, Buffer.byteLength(k)), 0);
  const largest = planSplits(spec, keys.length).reduce((a, s) => Math.max(a, s.inputs), 0);
  const dynamic = spec.dispatch.type === 'dynamic';
  const limit = dynamic
    ? {
        bytes: MAX_DISPATCHER_MESSAGE_BYTES,
        where: `the dispatcher's ${megabytes(MAX_DISPATCHER_MESSAGE_BYTES)} message limit`,
      }
    : (FUNCTION_REPLY_LIMITS[spec.backend.type] ?? null);
  if (limit === null) return;
  const each = embedReplyBytes(1, dims, keyBytes, dynamic ? 'protobuf' : 'json');
  const fits = Math.max(0, Math.floor((limit.bytes - REPLY_OVERHEAD_BYTES) / each));
  if (largest <= fits) return;
  const what = dynamic ? 'split' : 'invocation';
  const fix =
    fits === 0
      ? 'not even one vector fits: read a smaller output'
      : dynamic
        ? `use --split-size ${fits} or less`
        : `use at most ${fits} inputs per invocation (--workers ${Math.ceil(keys.length / Math.max(1, fits))} or more, or --mode dynamic)`;
  throw new UserError(
    `embed: the vectors of one ${what} (${largest} inputs x ${dims} float32 values, about ${megabytes(largest * each)}) do not fit in ${limit.where}; ${fix}`,
  );
}
