/**
 * What a function may report for one input (pure): the bounds the dispatcher checks every
 * returned result against, cheaply, before it keeps it, and the function checks its own results
 * against before it sends them. A class index within `MAX_CLASSES`, scores that are
 * probabilities (finite, from 0 to 1), at most `MAX_TOP_K` classes, labels and error messages of
 * bounded size, a vector of at most `MAX_VECTOR_VALUES` finite float32 values. A worker that
 * sends anything else is refused, as for a malformed message; a function whose model gives a row
 * it could not report makes that row the input's error instead (`worker/pipeline/postprocess.ts`).
 */
import type { InputResult } from '../core/prediction.js';
import {
  MAX_CLASSES,
  MAX_LABEL_BYTES,
  MAX_RESULT_ERROR_CHARS,
  MAX_TOP_K,
  MAX_VECTOR_VALUES,
} from './limits.js';
import {
  base64Length,
  decodeVector,
  FLOAT32_BYTES,
  isVectorText,
  nonFiniteCount,
} from './vector-encoding.js';

/** A little over 1, for the rounding of a softmax computed in float32. */
const MAX_SCORE = 1 + 1e-4;

/** The longest base64 text of a vector within the bound. */
const MAX_VECTOR_TEXT_CHARS = base64Length(MAX_VECTOR_VALUES * FLOAT32_BYTES);

/** Why the vector `text` is not one a function could have produced; undefined when it is one. */
function vectorProblem(text: string): string | undefined {
  if (text.length > MAX_VECTOR_TEXT_CHARS) return `a vector of more than ${MAX_VECTOR_VALUES} values`;
  if (!isVectorText(text)) return 'a vector that is not whole float32 values';
  const bad = nonFiniteCount(decodeVector(text));
  return bad > 0 ? `a vector with ${bad} NaN or infinite values` : undefined;
}

/**
 * Why `result` is not a result a function could have produced, without naming its input;
 * undefined when it is one.
 */
export function resultProblem(result: InputResult): string | undefined {
  if (result.error !== null) {
    return result.error.length > MAX_RESULT_ERROR_CHARS
      ? `error message over ${MAX_RESULT_ERROR_CHARS} characters`
      : undefined;
  }
  if (result.vector !== undefined) return vectorProblem(result.vector);
  const top = result.top ?? [];
  if (top.length > MAX_TOP_K) return `${top.length} classes, more than ${MAX_TOP_K}`;
  for (const c of top) {
    if (!Number.isInteger(c.class) || c.class < 0 || c.class >= MAX_CLASSES)
      return `class ${c.class} is not a class index (0 to ${MAX_CLASSES - 1})`;
    if (!(c.score >= 0 && c.score <= MAX_SCORE))
      return `score ${c.score} of class ${c.class} is not a probability (0 to 1)`;
    const label = c.label;
    if (
      label !== undefined &&
      label.length * 3 > MAX_LABEL_BYTES &&
      Buffer.byteLength(label, 'utf8') > MAX_LABEL_BYTES
    )
      return `label of class ${c.class} is over ${MAX_LABEL_BYTES} bytes`;
  }
  return undefined;
}

/** Why `result` is not a result a function could have produced, naming its input; undefined when it is one. */
export function resultBoundsProblem(result: InputResult): string | undefined {
  const problem = resultProblem(result);
  if (problem === undefined) return undefined;
  const key = JSON.stringify(result.key.length > 100 ? `${result.key.slice(0, 100)}...` : result.key);
  return `input ${key}: ${problem}`;
}
