/**
 * Checks run together, their failures reported at once: a single user mistake as it is, several
 * as one {@link SpecError} listing each under the setting it checked.
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
 * The error that reports `failures` (at least one): a single one as it is; several as one
 * {@link SpecError}. An error that is not the user's goes up as it is.
 */
export function failureError(failures: readonly Failure[], what = 'cannot start the job'): unknown {
  const internal = internalFailure(failures);
  if (internal) return internal.reason;
  if (failures.length === 1) return failures[0]!.reason;
  return new SpecError(failures.flatMap(issuesOf), what);
}
