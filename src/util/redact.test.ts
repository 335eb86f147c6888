import { describe, expect, it } from 'vitest';
import { hasUrlCredentials, redactUrlCredentials } from './redact.js';

describe('redactUrlCredentials', () => {
  it.each([
    ['http://user:password@fn-1:8080', 'http://user:***@fn-1:8080'],
    [
      '--url https://tok3n@fn.example.com/invoke,http://a:b@c',
      '--url https://***@fn.example.com/invoke,http://a:***@c',
    ],
    ['"http://u:p%40ss@h/x"', '"http://u:***@h/x"'],
    [
      'cannot reach the function at http://u:p@ss@host:1 (ECONNREFUSED)',
      'cannot reach the function at http://u:***@host:1 (ECONNREFUSED)',
    ],
    ['s3://bucket/key@2x.jpg', 's3://bucket/key@2x.jpg'],
    ['mail me: someone@example.com', 'mail me: someone@example.com'],
    ['http://fn-1:8080/invoke', 'http://fn-1:8080/invoke'],
    ['HTTP://U:P@H', 'HTTP://U:***@H'],
  ])('%s', (text, expected) => {
    expect(redactUrlCredentials(text)).toBe(expected);
    expect(redactUrlCredentials(expected)).toBe(expected);
  });

  it('masks URLs inside JSON text, leaving the rest alone', () => {
    const json = JSON.stringify({ backend: { urls: ['http://x:secret@h:1'] }, key: 'a/b@c.jpg' });
    const redacted = redactUrlCredentials(json);
    expect(redacted).not.toContain('secret');
    expect(JSON.parse(redacted)).toEqual({ backend: { urls: ['http://x:***@h:1'] }, key: 'a/b@c.jpg' });
  });

  it('says whether a URL carries credentials', () => {
    expect(hasUrlCredentials('http://a:b@h')).toBe(true);
    expect(hasUrlCredentials('http://h')).toBe(false);
  });
});
