/** `--stuck-after`, the one flag of the stuck wait (`serve-function`, `deploy`). */
import { Option } from 'commander';
import { UserError } from '../errors.js';
import {
  DEFAULT_STUCK_AFTER_MS,
  parseStuckAfter,
  STUCK_AFTER_ENV,
  STUCK_AFTER_RANGE,
} from '../protocol/stuck-wait.js';

const DESCRIPTION = `a stopped invocation's model run going on longer leaves its thread stuck (${STUCK_AFTER_RANGE})`;
const DEFAULT_TEXT = `${DEFAULT_STUCK_AFTER_MS / 1000}s`;

/**
 * `--stuck-after <duration>`: a wait in the shared bounds. `fromEnv` (a function's own command):
 * no default here, the command falls back on its environment's {@link STUCK_AFTER_ENV}, then 10 s.
 */
export function stuckAfterOption(fromEnv = false): Option {
  const option = new Option(
    '--stuck-after <duration>',
    fromEnv ? `${DESCRIPTION} (default: ${DEFAULT_TEXT}, env ${STUCK_AFTER_ENV})` : DESCRIPTION,
  ).argParser((value: string) => {
    const parsed = parseStuckAfter(value);
    if ('error' in parsed) throw new UserError(`--stuck-after: ${parsed.error}`);
    return parsed.ms;
  });
  return fromEnv ? option : option.default(DEFAULT_STUCK_AFTER_MS, DEFAULT_TEXT);
}
