import { describe, expect, it } from 'vitest';
import { FunctionUnhealthyError } from '../../errors.js';
import { UNHEALTHY_ERROR_TYPE } from '../../protocol/http-function.js';
import { INVOKE_RETRY_DEFAULTS } from '../defaults.js';
import { classifyHttpFailure } from './http-errors.js';

const reply = (status: number, body: unknown, headers: Record<string, string> = {}) => ({
  status,
  headers,
  body: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)),
});

describe('classifyHttpFailure', () => {
  it("reads a function server's 503 refusal while it cannot serve as retryable, with its reason", () => {
    expect(new FunctionUnhealthyError('x').name).toBe(UNHEALTHY_ERROR_TYPE);
    const refusal = reply(
      503,
      { errorType: UNHEALTHY_ERROR_TYPE, errorMessage: 'stuck inference threads hold 2 of 2 cores' },
      { 'retry-after': '5' },
    );
    expect(classifyHttpFailure(undefined, refusal, 'http://fn:1', 10)).toEqual({
      kind: 'unhealthy',
      message: 'function at http://fn:1 cannot serve (HTTP 503): stuck inference threads hold 2 of 2 cores',
      retryAfterMs: 5_000,
    });
  });

  it('keeps any other 503 (a platform in front, a body that is not ours) busy', () => {
    for (const body of ['<html>Service Unavailable</html>', { errorType: 'Other' }]) {
      expect(classifyHttpFailure(undefined, reply(503, body), 'http://fn:1', 10).kind).toBe('busy');
    }
  });

  it("bounds a reply's Retry-After by the given longest delay, seconds or a date", () => {
    const wallNowMs = Date.UTC(2026, 0, 1);
    const bounds = { maxMs: 20_000, wallNowMs };
    const after = (value: string, status = 503) =>
      classifyHttpFailure(
        undefined,
        reply(status, 'busy', { 'retry-after': value }),
        'http://fn:1',
        10,
        bounds,
      ).retryAfterMs;
    expect(after('999999')).toBe(20_000);
    expect(after('999999', 429)).toBe(20_000);
    expect(after('999999', 502)).toBe(20_000);
    expect(after('3')).toBe(3_000);
    expect(after('0')).toBe(0);
    expect(after(new Date(wallNowMs + 4_000).toUTCString())).toBe(4_000);
    expect(after(new Date(wallNowMs + 86_400_000).toUTCString())).toBe(20_000);
    expect(after('Wed, 31 Dec 2025 23:00:00 GMT')).toBe(0);
    for (const bad of ['-1', 'NaN', 'later']) expect(after(bad), bad).toBeUndefined();
  });

  it("bounds it by the default retry policy's longest delay when the caller gives none", () => {
    const failure = classifyHttpFailure(
      undefined,
      reply(429, '', { 'retry-after': '86400' }),
      'http://fn:1',
      10,
    );
    expect(failure.retryAfterMs).toBe(INVOKE_RETRY_DEFAULTS.maxDelayMs);
  });
});
