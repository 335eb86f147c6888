import { describe, expect, it } from 'vitest';
import { MAX_MESSAGE_CHARS, oneLine } from './one-line.js';

describe('oneLine', () => {
  it('escapes newlines, terminal escapes, bells and direction overrides; keeps tabs and text', () => {
    expect(oneLine("output 'a\nb\r\u001b[2J\u0007' of\tmodel")).toBe(
      "output 'a\\nb\\r\\u001b[2J\\u0007' of\tmodel",
    );
    expect(oneLine('abc\u202edef\u2028')).toBe('abc\\u202edef\\u2028');
    expect(oneLine('plain ünïcode ✓')).toBe('plain ünïcode ✓');
  });

  it('cuts a long message, saying how much was left out', () => {
    const cut = oneLine('x'.repeat(MAX_MESSAGE_CHARS + 123));
    expect(cut).toBe(`${'x'.repeat(MAX_MESSAGE_CHARS)}... (123 more characters)`);
  });
});
