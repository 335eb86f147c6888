import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { checkSchema } from './schema.js';
import {
  durationMsSchema,
  durationSchema,
  MAX_DURATION_MS,
  parseDurationMs,
  parseWaitMs,
} from './duration.js';

describe('durations', () => {
  it("read '90s', '15m', '500ms', '2h', and a bare number as seconds", () => {
    expect(parseDurationMs('90s')).toEqual({ ms: 90_000 });
    expect(parseDurationMs('15m')).toEqual({ ms: 900_000 });
    expect(parseDurationMs('500ms')).toEqual({ ms: 500 });
    expect(parseDurationMs('2h')).toEqual({ ms: 7_200_000 });
    expect(parseDurationMs(' 1.5 ')).toEqual({ ms: 1500 });
    expect(parseDurationMs(2)).toEqual({ ms: 2000 });
  });

  it('refuse nothing, negatives, other units and timers Node.js cannot keep', () => {
    for (const bad of ['0s', '-1', 'soon', '5d', '', 0, -3, Number.NaN, Infinity])
      expect(parseDurationMs(bad), String(bad)).toHaveProperty('error');
    expect(parseDurationMs(MAX_DURATION_MS / 1000)).toEqual({ ms: MAX_DURATION_MS });
    expect(parseDurationMs('1000h')).toEqual({
      error: "expected a duration of at most 24 days, got '1000h'",
    });
  });

  it("read waits: a duration, 0, or 'none' for no limit", () => {
    expect(parseWaitMs('none')).toEqual({ ms: Infinity });
    expect(parseWaitMs('0s')).toEqual({ ms: 0 });
    expect(parseWaitMs('10m')).toEqual({ ms: 600_000 });
    expect(parseWaitMs('later')).toEqual({
      error:
        "expected a duration such as '90s', '15m', '500ms' or a number of seconds, 0 or 'none', got 'later'",
    });
  });

  it('are one schema: the value as written, or in milliseconds', () => {
    const options = z.strictObject({ timeout: durationSchema, keepAlive: durationMsSchema });
    expect(checkSchema(options, { timeout: '90s', keepAlive: 2 })).toEqual({
      ok: true,
      data: { timeout: '90s', keepAlive: 2000 },
    });
    const bad = checkSchema(options, { timeout: true, keepAlive: 'soon' });
    expect(bad.ok ? [] : bad.issues).toEqual([
      {
        path: 'timeout',
        message: "expected a duration such as '90s', '15m', '500ms' or a number of seconds, got true",
      },
      {
        path: 'keepAlive',
        message: "expected a duration such as '90s', '15m', '500ms' or a number of seconds, got 'soon'",
      },
    ]);
  });
});
