import { describe, expect, it } from 'vitest';
import { NETWORK_ERROR_CODES } from '../../util/network-errors.js';
import { toStorageError, type S3CallContext } from './s3-errors.js';

const ctx: S3CallContext = {
  operation: 'GetObject',
  bucket: 'data',
  key: 'sets/a/images/1.jpg',
  callerKey: 'images/1.jpg',
  endpoint: 'https://s3.eu-west-1.amazonaws.com',
};

function serviceError(name: string, status: number, message = name): Error {
  return Object.assign(new Error(message), {
    name,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status, requestId: 'req-1', attempts: 1 },
    $response: { body: { socket: 'large object graph' } },
  });
}

describe('toStorageError', () => {
  it('finds a network code nested in an AggregateError (IPv4 and IPv6 both refused)', () => {
    const refused = (address: string) =>
      Object.assign(new Error(`connect ECONNREFUSED ${address}`), { code: 'ECONNREFUSED' });
    const err = new AggregateError([refused('::1:9000'), refused('127.0.0.1:9000')], '');
    const mapped = toStorageError(err, { ...ctx, endpoint: 'http://localhost:9000' });
    expect(mapped.code).toBe('Unreachable');
    expect(mapped.message).toBe('cannot reach S3 endpoint http://localhost:9000: ECONNREFUSED');
  });

  it('maps DNS failures and timeouts to Unreachable', () => {
    const dns = Object.assign(new Error('getaddrinfo ENOTFOUND nowhere.invalid'), { code: 'ENOTFOUND' });
    expect(toStorageError(dns, ctx).message).toBe(`cannot reach S3 endpoint ${ctx.endpoint}: ENOTFOUND`);
    const timeout = Object.assign(new Error('Connection timed out after 5000 ms'), { name: 'TimeoutError' });
    expect(toStorageError(timeout, ctx)).toMatchObject({ code: 'Unreachable' });
  });

  it('maps every network error code, unreachable or lost, to Unreachable', () => {
    for (const code of NETWORK_ERROR_CODES) {
      const err = new Error('request failed', { cause: Object.assign(new Error(code), { code }) });
      expect(toStorageError(err, ctx).message).toBe(`cannot reach S3 endpoint ${ctx.endpoint}: ${code}`);
    }
  });

  it('names the caller key for NoSuchKey and for a bodiless 404', () => {
    for (const err of [serviceError('NoSuchKey', 404), serviceError('NotFound', 404)]) {
      const mapped = toStorageError(err, ctx);
      expect(mapped).toMatchObject({ code: 'NotFound', key: 'images/1.jpg' });
      expect(mapped.message).toBe("no object 'images/1.jpg' (s3://data/sets/a/images/1.jpg)");
    }
  });

  it('tells bad credentials apart from a denying policy', () => {
    const expired = toStorageError(serviceError('ExpiredToken', 400), ctx);
    expect(expired.code).toBe('AccessDenied');
    expect(expired.message).toContain('(ExpiredToken)');
    expect(expired.message).toContain('AWS_PROFILE');
    const forbidden = toStorageError(serviceError('Forbidden', 403), { ...ctx, operation: 'HeadObject' });
    expect(forbidden.message).toBe(
      'access denied to s3://data/sets/a/images/1.jpg (HeadObject): check the credentials / bucket policy',
    );
  });

  it('keeps other service errors, with status, and a small cause without the HTTP response', () => {
    const mapped = toStorageError(serviceError('SlowDown', 503, 'Please reduce your request rate.'), ctx);
    expect(mapped.code).toBe('Other');
    expect(mapped.message).toBe(
      'S3 GetObject s3://data/sets/a/images/1.jpg failed (HTTP 503): SlowDown: Please reduce your request rate.',
    );
    const cause = mapped.cause as Record<string, unknown>;
    expect(cause).toMatchObject({
      name: 'SlowDown',
      httpStatusCode: 503,
      requestId: 'req-1',
      fault: 'server',
    });
    expect(cause.$response).toBeUndefined();
    expect(() => JSON.stringify(cause)).not.toThrow();
  });
});
