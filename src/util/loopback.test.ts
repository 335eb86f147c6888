import { describe, expect, it } from 'vitest';
import { isLoopbackName, isWildcardAddress, joinHostPort, unbracketHost } from './loopback.js';

describe('loopback names and host:port', () => {
  it('tells loopback names from others', () => {
    for (const host of ['localhost', 'a.localhost', '127.0.0.1', '127.255.0.9', '::1', '[::1]'])
      expect(isLoopbackName(host), host).toBe(true);
    for (const host of [
      '0.0.0.0',
      '10.0.0.1',
      'example.com',
      '128.0.0.1',
      '::2',
      '127.0.0.1.evil.com',
      'localhost.evil.com',
    ])
      expect(isLoopbackName(host), host).toBe(false);
  });

  it('tells the addresses of every interface from others', () => {
    for (const host of ['0.0.0.0', '::', '[::]']) expect(isWildcardAddress(host), host).toBe(true);
    for (const host of ['127.0.0.1', '::1', '10.0.0.1', 'localhost', '[::1]'])
      expect(isWildcardAddress(host), host).toBe(false);
  });

  it('takes the brackets off an IPv6 address, and only those', () => {
    expect(unbracketHost('[::1]')).toBe('::1');
    expect(unbracketHost('::1')).toBe('::1');
    expect(unbracketHost('127.0.0.1')).toBe('127.0.0.1');
    expect(unbracketHost('[fd00::5')).toBe('[fd00::5');
  });

  it('writes host and port together, an IPv6 address in brackets', () => {
    expect(joinHostPort('127.0.0.1', 50051)).toBe('127.0.0.1:50051');
    expect(joinHostPort('fn.example', 0)).toBe('fn.example:0');
    expect(joinHostPort('::1', 8080)).toBe('[::1]:8080');
    expect(joinHostPort('fd00::5', 443)).toBe('[fd00::5]:443');
  });
});
