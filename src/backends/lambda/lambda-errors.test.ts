import { describe, expect, it } from 'vitest';
import { CONNECTION_LOST_CODES, UNREACHABLE_CODES } from '../../util/network-errors.js';
import { INVOKE_RETRY_DEFAULTS } from '../defaults.js';
import { classifyLambdaError, RETRIED_KINDS } from './lambda-errors.js';

const ctx = { operation: 'Invoke', functionName: 'obifaas-worker', endpoint: 'http://127.0.0.1:9001' };

function failing(code: string): Error {
  return new Error('request failed', { cause: Object.assign(new Error(code), { code }) });
}

describe('classifyLambdaError', () => {
  it('sorts network error codes: nothing answering is not retried, a lost connection is', () => {
    for (const code of UNREACHABLE_CODES) {
      const failure = classifyLambdaError(failing(code), ctx);
      expect(failure).toMatchObject({ kind: 'unreachable', code });
      expect(RETRIED_KINDS.has(failure.kind)).toBe(false);
    }
    for (const code of CONNECTION_LOST_CODES) {
      const failure = classifyLambdaError(failing(code), ctx);
      expect(failure).toMatchObject({ kind: 'network', code });
      expect(RETRIED_KINDS.has(failure.kind)).toBe(true);
    }
  });

  it("takes the SDK's timeout names for a lost connection", () => {
    const timeout = Object.assign(new Error('Connection timed out after 5000 ms'), { name: 'TimeoutError' });
    expect(classifyLambdaError(timeout, ctx)).toMatchObject({ kind: 'network', code: 'TimeoutError' });
  });

  it("bounds a throttling answer's Retry-After by the longest delay, seconds or a date", () => {
    const wallNowMs = Date.UTC(2026, 0, 1);
    const throttled = (retryAfterSeconds: string, bounds: object = { maxRetryAfterMs: 20_000, wallNowMs }) =>
      classifyLambdaError(
        Object.assign(new Error('Rate exceeded'), { name: 'TooManyRequestsException', retryAfterSeconds }),
        { ...ctx, ...bounds },
      );
    expect(throttled('999999')).toMatchObject({ kind: 'throttled', retryAfterMs: 20_000 });
    expect(throttled('2').retryAfterMs).toBe(2_000);
    expect(throttled(new Date(wallNowMs + 5_000).toUTCString()).retryAfterMs).toBe(5_000);
    expect(throttled(new Date(wallNowMs + 3_600_000).toUTCString()).retryAfterMs).toBe(20_000);
    for (const none of ['0', '-3', 'NaN', 'Wed, 31 Dec 2025 23:00:00 GMT'])
      expect(throttled(none), none).not.toHaveProperty('retryAfterMs');
    expect(throttled('999999', {}).retryAfterMs).toBe(INVOKE_RETRY_DEFAULTS.maxDelayMs);
  });
});
