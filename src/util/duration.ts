/**
 * Durations, one rule everywhere (pure): the job spec's fields, config files, environment
 * variables and every command-line flag that takes a duration read them here.
 *
 * A duration is a number followed by `ms`, `s`, `m` or `h` (`'500ms'`, `'90s'`, `'15m'`,
 * `'2h'`); a bare number, or a string without a unit, is seconds. It is more than 0 and at most
 * {@link MAX_DURATION_MS} (the longest timer Node.js keeps: a longer one would fire at once).
 *
 * The exported names are stable: `parseDurationMs` and `parseWaitMs` for flag parsers,
 * `durationSchema` and `durationMsSchema` for schemas.
 */
import * as z from 'zod';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** The longest duration accepted, in ms: 2^31 - 1, about 24.8 days. */
export const MAX_DURATION_MS = 2_147_483_647;

/** What a duration looks like, for messages. */
export const DURATION_FORM = "a duration such as '90s', '15m', '500ms' or a number of seconds";

function checked(ms: number, shown: string): { ms: number } | { error: string } {
  if (!(ms > 0)) return { error: `expected a duration > 0, got ${shown}` };
  if (ms > MAX_DURATION_MS) return { error: `expected a duration of at most 24 days, got ${shown}` };
  return { ms };
}

/**
 * Milliseconds for a duration: a number is seconds; a string is a number followed by `ms`,
 * `s`, `m` or `h` (no unit means seconds). Returns an error message for anything else.
 */
export function parseDurationMs(value: string | number): { ms: number } | { error: string } {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return { error: `expected a duration > 0, got ${value}` };
    return checked(Math.round(value * 1000), String(value));
  }
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(value);
  if (!match) return { error: `expected ${DURATION_FORM}, got '${value}'` };
  return checked(Math.round(Number(match[1]) * UNIT_MS[match[2] ?? 's']!), `'${value}'`);
}

/**
 * A wait or a deadline, in ms: a duration, `0` (no wait at all), or `none` (no limit: Infinity).
 * Returns an error message for anything else.
 */
export function parseWaitMs(value: string): { ms: number } | { error: string } {
  const text = value.trim().toLowerCase();
  if (text === 'none' || text === 'inf' || text === 'infinity') return { ms: Infinity };
  if (/^0+(\.0+)?(ms|s|m|h)?$/.test(text)) return { ms: 0 };
  const parsed = parseDurationMs(text);
  if ('error' in parsed) return { error: `expected ${DURATION_FORM}, 0 or 'none', got '${value}'` };
  return parsed;
}

/** A duration as written (`'90s'` or a number of seconds), checked; the value is kept as given. */
export const durationSchema = z
  .union([z.number(), z.string()], { error: `expected ${DURATION_FORM}` })
  .superRefine((value, ctx) => {
    const parsed = parseDurationMs(value);
    if ('error' in parsed) ctx.addIssue({ code: 'custom', message: parsed.error, input: value });
  });

/** A duration as written, parsed into milliseconds. */
export const durationMsSchema = durationSchema.transform((value) => {
  const parsed = parseDurationMs(value);
  return 'ms' in parsed ? parsed.ms : Number.NaN;
});
