/**
 * The stuck wait, one rule for every backend (pure): how long a stopped invocation's model run
 * may go on in its inference thread before the thread is marked stuck (`worker/function-health.ts`).
 * ONNX Runtime cannot interrupt a run, so a run that outlasts the wait is treated as one that
 * never ends. The next invocation waits for the thread at most this long; the local backend
 * kills a stopped process that has not answered within it.
 *
 * The deployment fixes it, never the payload: `serve-function --stuck-after`, `obifaas deploy
 * --stuck-after` (in the Lambda function's environment, {@link STUCK_AFTER_ENV}), the local
 * backend's `stuckAfterMs` (in its processes' environment). A function reads the variable when it
 * starts; a bad value fails its start with a message naming the variable.
 */
import { UserError } from '../errors.js';
import { parseDurationMs } from '../util/duration.js';

/** The default wait: longer than one batch normally runs. */
export const DEFAULT_STUCK_AFTER_MS = 10_000;
/** The shortest wait: a shorter one would mark threads stuck that only run an ordinary batch. */
export const MIN_STUCK_AFTER_MS = 1_000;
/** The longest wait: Lambda's longest function timeout (15 minutes). */
export const MAX_STUCK_AFTER_MS = 15 * 60_000;

/** The function's environment variable that carries the wait: a duration (`'10s'`, `'1500ms'`). */
export const STUCK_AFTER_ENV = 'OBIFAAS_FUNCTION_STUCK_AFTER';

/** The bounds as a person reads them. */
export const STUCK_AFTER_RANGE = `${MIN_STUCK_AFTER_MS / 1000}s to ${MAX_STUCK_AFTER_MS / 60_000}m`;

/** Why `ms` is not a usable wait; undefined when it is one. */
export function stuckAfterProblem(ms: number): string | undefined {
  if (Number.isInteger(ms) && ms >= MIN_STUCK_AFTER_MS && ms <= MAX_STUCK_AFTER_MS) return undefined;
  return `expected a wait from ${STUCK_AFTER_RANGE}, got ${formatStuckAfter(ms)}`;
}

/** A duration as written (flag or variable) -> ms in the bounds; an error message otherwise. */
export function parseStuckAfter(value: string): { ms: number } | { error: string } {
  const parsed = parseDurationMs(value);
  if ('error' in parsed) return parsed;
  const problem = stuckAfterProblem(parsed.ms);
  return problem ? { error: problem } : parsed;
}

/** The wait as the variable carries it (`'10000ms'`). */
export function formatStuckAfter(ms: number): string {
  return `${ms}ms`;
}

/** The environment that gives a function the wait `ms`. */
export function stuckAfterToEnv(ms: number): Record<string, string> {
  return { [STUCK_AFTER_ENV]: formatStuckAfter(ms) };
}

/**
 * The wait the environment `env` gives a function ({@link DEFAULT_STUCK_AFTER_MS} when the
 * variable is unset). Throws `UserError` naming the variable for a value that is not a wait in
 * the bounds, so that a function with a bad deployment fails at its start.
 */
export function stuckAfterFromEnv(env: Readonly<Record<string, string | undefined>>): number {
  const raw = env[STUCK_AFTER_ENV];
  if (raw === undefined) return DEFAULT_STUCK_AFTER_MS;
  const parsed = parseStuckAfter(raw);
  if ('error' in parsed)
    throw new UserError(`the function's deployment settings: ${STUCK_AFTER_ENV}: ${parsed.error}`);
  return parsed.ms;
}
