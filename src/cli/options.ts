/**
 * Parsers of CLI option values, shared by every command: each fails with a {@link UserError}
 * that names the flag and shows what it got. Job settings (the config keys) are converted by the
 * config layers instead, so that every bad one is reported at once.
 */
import type { Arch } from '../core/pricing.js';
import { UserError } from '../errors.js';
import { MAX_MEMORY_MB, MIN_MEMORY_MB } from '../protocol/limits.js';
import { parseDurationMs, parseWaitMs } from '../util/duration.js';

/** An integer >= `min`. */
export function parseIntOption(flag: string, min = 1): (value: string) => number {
  return (value: string) => {
    const n = Number(value);
    // Digits only: Number() would also take '0x10', '1e3' and integers past 2^53 it cannot hold.
    if (!/^\d+$/.test(value.trim()) || n < min)
      throw new UserError(`${flag}: expected an integer >= ${min}, got '${value}'`);
    if (!Number.isSafeInteger(n))
      throw new UserError(
        `${flag}: expected an integer of at most ${Number.MAX_SAFE_INTEGER}, got '${value}'`,
      );
    return n;
  };
}

/**
 * A text that may not be empty or blank (`--token "$UNSET"` would otherwise mean no token at all);
 * `hint` says what to do instead.
 */
export function parseNonEmptyOption(flag: string, hint: string): (value: string) => string {
  return (value: string) => {
    if (value.trim() === '') throw new UserError(`${flag}: empty; ${hint}`);
    return value;
  };
}

/** An integer from `min` to `max`. */
export function parseIntRangeOption(flag: string, min: number, max: number): (value: string) => number {
  return (value: string) => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || n < min || n > max)
      throw new UserError(`${flag}: expected an integer from ${min} to ${max}, got '${value}'`);
    return n;
  };
}

/** A number >= `min`. */
export function parseNumberOption(flag: string, min = 0): (value: string) => number {
  return (value: string) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < min)
      throw new UserError(`${flag}: expected a number >= ${min}, got '${value}'`);
    return n;
  };
}

/** A number > 0 (a speed, a price). */
export function parsePositiveOption(flag: string): (value: string) => number {
  return (value: string) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n <= 0)
      throw new UserError(`${flag}: expected a number > 0, got '${value}'`);
    return n;
  };
}

/** A share from 0 to 1. */
export function parseFractionOption(flag: string): (value: string) => number {
  return (value: string) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1)
      throw new UserError(`${flag}: expected a number in [0, 1], got '${value}'`);
    return n;
  };
}

/** A seed of the random generators: an integer from 0 to 2^32 - 1. */
export function parseSeedOption(flag = '--seed'): (value: string) => number {
  return parseIntRangeOption(flag, 0, 0xffffffff);
}

/** A duration in ms: '90s', '15m', '500ms' or seconds (the job spec's durations). */
export function parseDurationOption(flag: string): (value: string) => number {
  return (value: string) => {
    const parsed = parseDurationMs(value);
    if ('error' in parsed) throw new UserError(`${flag}: ${parsed.error}`);
    return parsed.ms;
  };
}

/** A wait in ms: a duration, 0, or 'none' (no limit: Infinity). */
export function parseWaitOption(flag: string): (value: string) => number {
  return (value: string) => {
    const parsed = parseWaitMs(value);
    if ('error' in parsed) throw new UserError(`${flag}: ${parsed.error}`);
    return parsed.ms;
  };
}

/** Function memory in MB, in the range the backends accept. */
export function parseMemoryOption(flag = '--memory'): (value: string) => number {
  return parseIntRangeOption(flag, MIN_MEMORY_MB, MAX_MEMORY_MB);
}

/** One of `choices`, as `flag` takes it. */
export function parseChoiceOption<T extends string>(
  flag: string,
  choices: readonly T[],
): (value: string) => T {
  return (value) => {
    const choice = choices.find((c) => c === value);
    if (choice === undefined)
      throw new UserError(`${flag}: expected one of ${choices.join(', ')}, got '${value}'`);
    return choice;
  };
}

/** A Lambda CPU architecture. */
export function parseArchOption(value: string): Arch {
  if (value === 'x86_64' || value === 'arm64') return value;
  throw new UserError(`--arch: expected x86_64 or arm64, got '${value}'`);
}

/** An http:// or https:// URL, without trailing slashes. */
export function parseUrlOption(flag: string, example: string): (value: string) => string {
  return (value: string) => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw new UserError(`${flag}: expected a URL such as ${example}, got '${value}'`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new UserError(`${flag}: expected an http:// or https:// URL, got '${value}'`);
    return value.replace(/\/+$/, '');
  };
}

/** The commands whose `--out` may be an `s3://` location. */
export const S3_OUT_COMMANDS = 'run, demo, replay, simulate, results and report';

/** The `--out` of a command whose outputs stay local: refuses `s3://...`, saying what to do. */
export function localOutOption(what: string): (value: string) => string {
  return (value) => {
    if (/^s3:\/\//i.test(value.trim()))
      throw new UserError(
        `--out: ${what} goes to a local path; s3:// outputs are taken by ${S3_OUT_COMMANDS} (copy it with \`aws s3 cp\`)`,
      );
    return value;
  };
}

/**
 * The parser of a repeatable flag (`--env A=1 --env B=2`): each use adds its value. Give no
 * default, so that `--help` does not print `(default: [])`; read the flag as `flags.x ?? []`.
 */
export function collectRepeated(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}
