/**
 * One input's result from its row of output values (pure), by the job's task:
 *
 * - `classify`: the top-k classes. Scores are the softmax of logits (`softmax`), the values as
 *   they are (`none`: the model outputs probabilities), or the sigmoid of each value (`sigmoid`:
 *   a multi-label model, where `threshold` keeps only the classes scoring at least that).
 *   `auto` reads a row as probabilities when its values lie in [0, 1] and sum to 1, and as
 *   logits otherwise.
 * - `embed`: the row itself as the input's vector (a multi-dimensional output arrives flattened),
 *   L2-normalised when asked (a zero vector stays zero), sent as base64 of float32 values.
 *
 * A row holding NaN or an infinity is that input's error, never a prediction; so is a result the
 * dispatcher would refuse (`protocol/result-bounds.ts`): a score outside [0, 1] (activation
 * `none` on a model whose output is not probabilities) or a vector longer than the bound.
 */
import type { ClassScore, InputResult } from '../../core/prediction.js';
import type { ResolvedTask } from '../../protocol/task-output.js';
import { resultProblem } from '../../protocol/result-bounds.js';
import type { Activation } from '../../protocol/task-schema.js';
import { encodeVector, nonFiniteCount } from '../../protocol/vector-encoding.js';
import { bestIndices, classScore, topK } from './top-k.js';

/** How far a row of probabilities may sum from 1 (float32 rounding over many classes). */
export const PROBABILITY_SUM_TOLERANCE = 1e-3;

/** What reading a row needs besides the row. */
export interface RowReader {
  task: ResolvedTask;
  /** Classes reported per input (classify). */
  topK: number;
  /** Class names, line i = class i (classify). */
  labels?: readonly string[];
}

/** True when `row` looks like probabilities: every value in [0, 1], summing to 1. */
export function isProbabilityRow(row: Float32Array): boolean {
  let sum = 0;
  for (const v of row) {
    if (!(v >= 0 && v <= 1)) return false;
    sum += v;
  }
  return Math.abs(sum - 1) <= PROBABILITY_SUM_TOLERANCE;
}

const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));

/** The classify result of one row whose values are all finite. */
export function classifyRow(
  row: Float32Array,
  activation: Activation,
  k: number,
  options: { threshold?: number | null; labels?: readonly string[] } = {},
): ClassScore[] {
  const { labels, threshold = null } = options;
  const used = activation === 'auto' ? (isProbabilityRow(row) ? 'none' : 'softmax') : activation;
  if (used === 'softmax') return topK(row, k, labels);
  const scoreOf = used === 'sigmoid' ? sigmoid : (v: number) => v;
  const top = bestIndices(row, k).map((c) => classScore(c, scoreOf(row[c] as number), labels));
  return threshold === null ? top : top.filter((s) => s.score >= threshold);
}

/** `row` scaled to unit L2 norm (a zero row is returned as it is). */
export function l2Normalized(row: Float32Array): Float32Array {
  let sum = 0;
  for (const v of row) sum += v * v;
  const norm = Math.sqrt(sum);
  if (norm === 0) return Float32Array.from(row);
  return row.map((v) => v / norm);
}

/** The result of input `key` from its output values. */
export function readRow(key: string, row: Float32Array, reader: RowReader): InputResult {
  const bad = nonFiniteCount(row);
  if (bad > 0) {
    return {
      key,
      top: null,
      error: `output '${reader.task.output}' for '${key}' has ${bad} of ${row.length} values NaN or infinite; no ${reader.task.kind === 'embed' ? 'vector' : 'prediction'}`,
    };
  }
  const { task } = reader;
  const result: InputResult =
    task.kind === 'embed'
      ? { key, top: null, error: null, vector: encodeVector(task.normalize ? l2Normalized(row) : row) }
      : {
          key,
          top: classifyRow(row, task.activation, reader.topK, {
            threshold: task.threshold,
            ...(reader.labels ? { labels: reader.labels } : {}),
          }),
          error: null,
        };
  const problem = resultProblem(result);
  if (problem === undefined) return result;
  const hint =
    task.kind === 'classify' && task.activation === 'none'
      ? ": activation 'none' reports the model's values as they are (use softmax for logits, sigmoid for a multi-label model)"
      : '';
  return {
    key,
    top: null,
    error: `output '${task.output}' for '${key}': ${problem}${hint}; no ${task.kind === 'embed' ? 'vector' : 'prediction'}`,
  };
}
