import { describe, expect, it } from 'vitest';
import { CONNECTION_LOST_CODES, UNREACHABLE_CODES } from '../../util/network-errors.js';
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
});
