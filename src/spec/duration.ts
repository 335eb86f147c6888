/** Friendly durations ('90s', '15m', '500ms', or a number of seconds) to milliseconds (pure). */

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * Milliseconds for a duration: a number is seconds; a string is a number followed by `ms`,
 * `s`, `m` or `h` (no unit means seconds). Returns an error message for anything else.
 */
export function parseDurationMs(value: string | number): { ms: number } | { error: string } {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value <= 0) return { error: `expected a duration > 0, got ${value}` };
    return { ms: Math.round(value * 1000) };
  }
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(value);
  if (!match) return { error: `expected a duration such as '90s', '15m' or '500ms', got '${value}'` };
  const ms = Math.round(Number(match[1]) * UNIT_MS[match[2] ?? 's']!);
  if (ms <= 0) return { error: `expected a duration > 0, got '${value}'` };
  return { ms };
}
