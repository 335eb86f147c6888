import { describe, expect, it } from 'vitest';
import { cancelReasonOf } from './cancel-reason.js';

describe('cancelReasonOf', () => {
  it("keeps an Error's message or a string, and nothing for another kind or blank text", () => {
    expect(cancelReasonOf(new Error('maintenance window'))).toBe('maintenance window');
    expect(cancelReasonOf('deploy freeze')).toBe('deploy freeze');
    expect(cancelReasonOf(42)).toBeUndefined();
    expect(cancelReasonOf('  ')).toBeUndefined();
  });

  it('is one line: a newline or a terminal escape is written as an escape, not kept', () => {
    expect(cancelReasonOf('first line\nsecond line')).toBe('first line\\nsecond line');
    expect(cancelReasonOf('\u001b[31mred')).toBe('\\u001b[31mred');
  });

  it('masks credentials in URLs', () => {
    expect(cancelReasonOf('stopped by https://user:secret@example.com/hook')).not.toContain('secret');
  });
});
