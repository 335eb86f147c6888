/** The `SpecError` a call throws, for tests that read its message and issues. */
import { expect } from 'vitest';
import { SpecError } from '../../src/errors.js';

/** Calls `fn`, expects it to throw a {@link SpecError}, and returns that error. */
export function specErrorOf(fn: () => unknown): SpecError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(SpecError);
    return err as SpecError;
  }
  throw new Error('expected a SpecError');
}

/** The issues of the {@link SpecError} `fn` throws, each as `path: message`. */
export function specIssueLines(fn: () => unknown): string[] {
  return specErrorOf(fn).issues.map((i) => `${i.path}: ${i.message}`);
}
