/**
 * The HTTP function protocol's peak memory header: a whole number of MB within what a process
 * can hold is taken, anything else is ignored (absent), never clamped.
 */
import { describe, expect, it } from 'vitest';
import { MAX_REPORTED_MEMORY_MB, reportedMemoryMb } from './http-function.js';

describe('x-obifaas-max-memory-mb', () => {
  it('is taken as a whole number of MB from 1 to the bound', () => {
    expect(reportedMemoryMb('1')).toBe(1);
    expect(reportedMemoryMb('412')).toBe(412);
    expect(reportedMemoryMb(String(MAX_REPORTED_MEMORY_MB))).toBe(MAX_REPORTED_MEMORY_MB);
  });

  it('is ignored when it cannot be true or is not what the server writes', () => {
    for (const header of [
      undefined,
      '',
      '0',
      String(MAX_REPORTED_MEMORY_MB + 1),
      '1e15',
      '9'.repeat(400),
      'Infinity',
      '-5',
      '12.5',
      '0x10',
      '512 MB',
    ])
      expect(reportedMemoryMb(header), String(header)).toBeUndefined();
  });
});
