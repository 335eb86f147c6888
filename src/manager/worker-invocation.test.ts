import { describe, expect, it } from 'vitest';
import { BackendError } from '../errors.js';
import { failedEnd } from './worker-invocation.js';

describe('failedEnd', () => {
  it("takes a backend error's retry decision and wait", () => {
    expect(failedEnd(new BackendError('throttled', true, 1500))).toEqual({
      ok: false,
      error: 'throttled',
      retryable: true,
      retryAfterMs: 1500,
    });
    expect(failedEnd(new BackendError('SpecError: bad payload', false))).toEqual({
      ok: false,
      error: 'SpecError: bad payload',
      retryable: false,
      retryAfterMs: 0,
    });
  });

  it('retries any other error at once', () => {
    expect(failedEnd(new TypeError('boom'))).toEqual({
      ok: false,
      error: 'boom',
      retryable: true,
      retryAfterMs: 0,
    });
  });
});
