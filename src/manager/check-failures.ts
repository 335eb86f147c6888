/**
 * Checks run together, their failures reported at once as one {@link SpecError} whose issues
 * name the setting each check checked: several listed in its message, a single one in its own
 * words (its error is the cause).
 */
import { messageOf, SpecError, UserError, type Issue } from '../errors.js';

/** A check that failed: the setting it checked, and why. */
export interface Failure {
  field: string;
  reason: unknown;
}

/** The failures among `checks` (each a setting and its check's settled result). */
export function failuresOf(
  checks: ReadonlyArray<readonly [string, PromiseSettledResult<unknown>]>,
): Failure[] {
  return checks.flatMap(([field, r]) =>
    r.status === 'rejected' ? [{ field, reason: r.reason as unknown }] : [],
  );
}

/** The issues of a user mistake: a {@link SpecError}'s own, or its message under its field. */
export function issuesOf({ field, reason }: Failure): Issue[] {
  if (reason instanceof SpecError) return reason.issues;
  const message = messageOf(reason);
  return [
    { path: field, message: message.startsWith(`${field}: `) ? message.slice(field.length + 2) : message },
  ];
}

/** The first failure that is not a user mistake (a bug, the machine, an unreachable store). */
export function internalFailure(failures: readonly Failure[]): Failure | undefined {
  return failures.find((f) => !(f.reason instanceof UserError));
}

/**
 * The error that reports `failures` (at least one): one {@link SpecError}, with an issue under
 * each setting. Several are listed after `what`; a single one keeps its message (a `SpecError`
 * of its own, such as a manifest's bad lines, is given as it is; any other is the cause). An
 * error that is not the user's goes up as it is.
 */
export function failureError(failures: readonly Failure[], what = 'cannot start the job'): unknown {
  const internal = internalFailure(failures);
  if (internal) return internal.reason;
  const [single] = failures;
  if (failures.length > 1 || single === undefined) return new SpecError(failures.flatMap(issuesOf), what);
  if (single.reason instanceof SpecError) return single.reason;
  return new SpecError(issuesOf(single), what, Infinity, {
    message: messageOf(single.reason),
    cause: single.reason,
  });
}

/** `step`, a failure of it given as a failed check of `field` ({@link failureError}). */
export function asCheck<T>(field: string, step: Promise<T>): Promise<T> {
  return step.catch((err: unknown) => {
    throw failureError([{ field, reason: err }]);
  });
}
