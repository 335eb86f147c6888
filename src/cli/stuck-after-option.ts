/** `--stuck-after`, the one flag of the stuck wait (`serve-function`, `deploy`). */
import { Option } from 'commander';
import { UserError } from '../errors.js';
import { DEFAULT_STUCK_AFTER_MS, parseStuckAfter, STUCK_AFTER_RANGE } from '../protocol/stuck-wait.js';

/**
 * `--stuck-after <duration>`: a wait in the shared bounds. No default here: the command falls
 * back on `fallback` (its environment's variable, a config file key), then 10 s, as the help says.
 */
export function stuckAfterOption(fallback: string): Option {
  return new Option(
    '--stuck-after <duration>',
    `a stopped invocation's model run going on longer leaves its thread stuck (${STUCK_AFTER_RANGE}; default: ${fallback}, else ${DEFAULT_STUCK_AFTER_MS / 1000}s)`,
  ).argParser((value: string) => {
    const parsed = parseStuckAfter(value);
    if ('error' in parsed) throw new UserError(`--stuck-after: ${parsed.error}`);
    return parsed.ms;
  });
}
