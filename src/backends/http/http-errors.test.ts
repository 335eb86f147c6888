import { describe, expect, it } from 'vitest';
import { FunctionUnhealthyError } from '../../errors.js';
import { UNHEALTHY_ERROR_TYPE } from '../../protocol/http-function.js';
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
});
