/**
 * The few error classes Obi-FaaS throws. They carry data (not just text) so that retry logic
 * reads fields and the CLI maps each class to an exit code in one place.
 */

/** One problem found in user input, located by a dotted field path (or a file, key, line). */
export interface Issue {
  /** Where the problem is: `predict.batchSize`, `manifest.txt:12`, a storage key. */
  path: string;
  message: string;
}

/**
 * Base class: every error Obi-FaaS raises on purpose. Its `name` is its class's name and stays
 * so between versions. A {@link UserError} is a mistake in what was given; any other error is
 * the infrastructure's (a store, a backend, the machine) or a bug.
 */
export class ObiError extends Error {
  override name = 'ObiError';
}

/**
 * A mistake in what the user gave us (flags, config, files). The CLI prints the message on one
 * line, without a stack, and exits with code 2.
 */
export class UserError extends ObiError {
  override name = 'UserError';
}

/** Issues a long {@link SpecError} message lists (a file of bad lines); the rest are counted. */
export const MAX_LISTED_ISSUES = 10;

/** How a {@link SpecError} is worded, and what caused it. */
export interface SpecErrorOptions extends ErrorOptions {
  /**
   * The message, when not `what` and the issues: a single failed check's own words (`out: '/o'
   * is not empty`), which its one issue carries under the field it checked.
   */
  message?: string;
}

/**
 * A job spec, config, file or payload that failed validation, or a job's start-up checks that
 * failed; carries every issue found, not just the first, each under its field. Its message is
 * one line; with `listed`, it names that many issues and counts the others (for a file with
 * many bad lines).
 */
export class SpecError extends UserError {
  override name = 'SpecError';
  constructor(
    readonly issues: Issue[],
    what = 'invalid job spec',
    listed = Infinity,
    options: SpecErrorOptions = {},
  ) {
    const shown = issues.slice(0, listed).map((i) => `${i.path}: ${i.message}`);
    if (issues.length > listed) shown.push(`and ${issues.length - listed} more`);
    const { message, ...errorOptions } = options;
    super(message ?? `${what}: ${shown.join('; ')}`, errorOptions);
  }
}

/** A model that cannot be used: missing, not ONNX, or with an input we cannot feed. */
export class ModelError extends UserError {
  override name = 'ModelError';
}

/**
 * A payload that asks a function for something its deployment does not allow: a path outside
 * its readable roots, a bucket or S3 endpoint it was not given, a dispatcher outside its
 * networks. `field` names the payload field. The HTTP function answers 403.
 */
export class AccessError extends UserError {
  override name = 'AccessError';
  constructor(
    readonly field: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(`${field}: ${message}`, options);
  }
}

/** Why a storage call failed, so callers can decide without parsing text. */
export type StorageErrorCode =
  'NotFound' | 'NoSuchBucket' | 'AccessDenied' | 'Unreachable' | 'Invalid' | 'Other';

/** A storage call that failed; `key` names the object. */
export class StorageError extends ObiError {
  override name = 'StorageError';
  constructor(
    message: string,
    readonly code: StorageErrorCode,
    readonly key?: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/**
 * A failed invocation of a function. `retryable` says whether trying again may help (a crash,
 * a timeout, throttling) and `retryAfterMs` how long to wait first.
 */
export class BackendError extends ObiError {
  override name = 'BackendError';
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly retryAfterMs = 0,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/**
 * The function cannot serve now: a stopped invocation's model run that never returned holds its
 * cores (a stuck inference thread) and no thread can take its place. Retryable: another
 * function (or this one, once its platform replaced it) can run the same work.
 */
export class FunctionUnhealthyError extends ObiError {
  override name = 'FunctionUnhealthyError';
}

/** A one-line message for any thrown value. */
export function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
