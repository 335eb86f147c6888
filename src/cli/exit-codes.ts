/**
 * The exit codes of every `obifaas` command, in one table: how a command ended, and the code
 * an error reaching the CLI maps to.
 */
import { StorageError, UserError } from '../errors.js';

/** How a command ended, and its exit code. */
export const EXIT_CODES = {
  /** It did its work (a job that ran, even if some inputs have errors). */
  done: 0,
  /** It ran but did not reach its goal: a job stopped by a failure, a job of a replay failed, a plan target not met. */
  failed: 1,
  /** An error we did not expect (a bug, or a fault of the machine or a service). */
  internal: 1,
  /** A mistake in the flags, the config or the inputs: one line on stderr, nothing ran. */
  usage: 2,
  /** Cancelled by SIGINT (Ctrl-C), SIGTERM or SIGHUP. */
  cancelled: 130,
} as const;

/** How a command ended. */
export type ExitStatus = keyof typeof EXIT_CODES;

/**
 * The exit code of an error reaching the CLI: `usage` for user mistakes (a {@link UserError}, or
 * a storage call that failed because of one, such as a store folder that cannot be created where
 * the user's path points), `internal` for the rest.
 */
export function exitCodeFor(err: unknown): number {
  const users = err instanceof UserError || (err instanceof StorageError && err.cause instanceof UserError);
  return users ? EXIT_CODES.usage : EXIT_CODES.internal;
}
