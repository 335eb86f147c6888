/**
 * What a function may report for one input (pure): the bounds the dispatcher checks every
 * returned result against, cheaply, before it keeps it. A class index within `MAX_CLASSES`,
 * scores that are probabilities (finite, from 0 to 1), at most `MAX_TOP_K` classes, labels and
 * error messages of bounded size. A worker that sends anything else is refused, as for a
 * malformed message.
 */
import type { InputResult } from '../core/prediction.js';
import { MAX_CLASSES, MAX_LABEL_BYTES, MAX_RESULT_ERROR_CHARS, MAX_TOP_K } from './limits.js';

/** A little over 1, for the rounding of a softmax computed in float32. */
const MAX_SCORE = 1 + 1e-4;

/** Why `result` is not a result a function could have produced; undefined when it is one. */
export function resultBoundsProblem(result: InputResult): string | undefined {
  const key = JSON.stringify(result.key.length > 100 ? `${result.key.slice(0, 100)}...` : result.key);
  if (result.error !== null) {
    return result.error.length > MAX_RESULT_ERROR_CHARS
      ? `input ${key}: error message over ${MAX_RESULT_ERROR_CHARS} characters`
      : undefined;
  }
  const top = result.top ?? [];
  if (top.length > MAX_TOP_K) return `input ${key}: ${top.length} classes, more than ${MAX_TOP_K}`;
  for (const c of top) {
    if (!Number.isInteger(c.class) || c.class < 0 || c.class >= MAX_CLASSES)
      return `input ${key}: class ${c.class} is not a class index (0 to ${MAX_CLASSES - 1})`;
    if (!(c.score >= 0 && c.score <= MAX_SCORE))
      return `input ${key}: score ${c.score} of class ${c.class} is not a probability (0 to 1)`;
    const label = c.label;
    if (
      label !== undefined &&
      label.length * 3 > MAX_LABEL_BYTES &&
      Buffer.byteLength(label, 'utf8') > MAX_LABEL_BYTES
    )
      return `input ${key}: label of class ${c.class} is over ${MAX_LABEL_BYTES} bytes`;
  }
  return undefined;
}
