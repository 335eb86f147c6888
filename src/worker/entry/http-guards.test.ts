import type http from 'node:http';
import { describe, expect, it } from 'vitest';
import { AccessError, ModelError, SpecError } from '../../errors.js';
import { hostOfHeader, invokeRefusal, isJsonContentType, statusOfError } from './http-guards.js';

function request(headers: Record<string, string>): http.IncomingMessage {
  return { headers } as unknown as http.IncomingMessage;
}

const json = { 'content-type': 'application/json' };

describe('invokeRefusal', () => {
  it('without a token, answers only loopback hosts and origins', () => {
    const open = { token: undefined, loopbackOnly: true };
    expect(invokeRefusal(request({ ...json, host: '127.0.0.1:8080' }), open)).toBeUndefined();
    expect(
      invokeRefusal(request({ ...json, host: 'localhost:8080', origin: 'http://localhost:3000' }), open),
    ).toBeUndefined();
    expect(invokeRefusal(request({ ...json, host: '[::1]:8080' }), open)).toBeUndefined();
    expect(invokeRefusal(request({ ...json, host: 'attacker.example:8080' }), open)?.status).toBe(403);
    expect(invokeRefusal(request({ ...json }), open)?.status).toBe(403);
    expect(
      invokeRefusal(request({ ...json, host: '127.0.0.1:8080', origin: 'https://evil.example' }), open)
        ?.status,
    ).toBe(403);
  });

  it('with a token, checks the token and not the host', () => {
    const guarded = { token: 'sekret', loopbackOnly: true };
    expect(invokeRefusal(request({ ...json, host: 'fn.example' }), guarded)?.status).toBe(401);
    expect(
      invokeRefusal(request({ ...json, host: 'fn.example', authorization: 'Bearer sekret' }), guarded),
    ).toBeUndefined();
  });

  it('takes application/json bodies only', () => {
    const open = { token: undefined, loopbackOnly: true };
    for (const type of [
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      '',
    ])
      expect(invokeRefusal(request({ host: '127.0.0.1', 'content-type': type }), open)?.status).toBe(415);
    expect(isJsonContentType('Application/JSON; charset=utf-8')).toBe(true);
  });
});

describe('the pieces', () => {
  it('reads Host headers', () => {
    expect(hostOfHeader('[::1]:80')).toBe('[::1]');
    expect(hostOfHeader('a b')).toBeUndefined();
  });

  it('answers payload mistakes with 4xx and its own failures with 500', () => {
    expect(statusOfError(new AccessError('model.uri', 'no'))).toBe(403);
    expect(statusOfError(new SpecError([{ path: 'kind', message: 'no' }]))).toBe(400);
    expect(statusOfError(new ModelError('bad model'))).toBe(400);
    expect(statusOfError(new Error('crash'))).toBe(500);
  });
});
