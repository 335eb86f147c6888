import { describe, expect, it } from 'vitest';
import { findErrorCode, NETWORK_ERROR_CODES } from './network-errors.js';

const coded = (code: string) => Object.assign(new Error(`connect ${code}`), { code });

describe('findErrorCode', () => {
  it("finds a code on the error, in its aggregated errors or in its causes' chain", () => {
    expect(findErrorCode(coded('ECONNRESET'), NETWORK_ERROR_CODES)).toBe('ECONNRESET');
    const both = new AggregateError([new Error('other'), coded('ECONNREFUSED')], '');
    expect(findErrorCode(both, NETWORK_ERROR_CODES)).toBe('ECONNREFUSED');
    const wrapped = new Error('request failed', { cause: new Error('socket', { cause: coded('EPIPE') }) });
    expect(findErrorCode(wrapped, NETWORK_ERROR_CODES)).toBe('EPIPE');
  });

  it('matches a name too (an SDK names its timeouts), and only the codes asked for', () => {
    const timeout = Object.assign(new Error('timed out'), { name: 'TimeoutError' });
    expect(findErrorCode(timeout, new Set(['TimeoutError']))).toBe('TimeoutError');
    expect(findErrorCode(timeout, NETWORK_ERROR_CODES)).toBeUndefined();
    expect(findErrorCode(coded('ENOENT'), NETWORK_ERROR_CODES)).toBeUndefined();
    expect(findErrorCode('ECONNRESET', NETWORK_ERROR_CODES)).toBeUndefined();
  });

  it('stops at a cycle of causes', () => {
    const a = new Error('a');
    const b = new Error('b', { cause: a });
    Object.assign(a, { cause: b });
    expect(findErrorCode(a, NETWORK_ERROR_CODES)).toBeUndefined();
  });
});
