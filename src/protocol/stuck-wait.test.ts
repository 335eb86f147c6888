import { describe, expect, it } from 'vitest';
import {
  DEFAULT_STUCK_AFTER_MS,
  MAX_STUCK_AFTER_MS,
  MIN_STUCK_AFTER_MS,
  parseStuckAfter,
  STUCK_AFTER_ENV,
  stuckAfterFromEnv,
  stuckAfterProblem,
  stuckAfterToEnv,
} from './stuck-wait.js';

describe('the stuck wait', () => {
  it('takes the bounds themselves and refuses one step beyond each', () => {
    expect(stuckAfterProblem(MIN_STUCK_AFTER_MS)).toBeUndefined();
    expect(stuckAfterProblem(MAX_STUCK_AFTER_MS)).toBeUndefined();
    expect(stuckAfterProblem(MIN_STUCK_AFTER_MS - 1)).toBe('expected a wait from 1s to 15m, got 999ms');
    expect(stuckAfterProblem(MAX_STUCK_AFTER_MS + 1)).toBe('expected a wait from 1s to 15m, got 900001ms');
    expect(stuckAfterProblem(1500.5)).toMatch(/^expected a wait from 1s to 15m/);
  });

  it('reads durations as every flag does', () => {
    expect(parseStuckAfter('2.5s')).toEqual({ ms: 2500 });
    expect(parseStuckAfter('15m')).toEqual({ ms: MAX_STUCK_AFTER_MS });
    expect(parseStuckAfter('3')).toEqual({ ms: 3000 });
    expect(parseStuckAfter('500ms')).toEqual({ error: 'expected a wait from 1s to 15m, got 500ms' });
    expect(parseStuckAfter('soon')).toEqual({ error: expect.stringMatching(/^expected a duration such as/) });
  });

  it('travels in the environment and comes back the same', () => {
    expect(stuckAfterFromEnv(stuckAfterToEnv(2500))).toBe(2500);
    expect(stuckAfterFromEnv({})).toBe(DEFAULT_STUCK_AFTER_MS);
  });

  it("refuses a bad value in a function's environment, naming the variable", () => {
    for (const bad of ['', 'soon', '100ms', '1h'])
      expect(() => stuckAfterFromEnv({ [STUCK_AFTER_ENV]: bad })).toThrow(
        new RegExp(`^the function's deployment settings: ${STUCK_AFTER_ENV}: expected`),
      );
  });
});
