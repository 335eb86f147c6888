/**
 * A message made safe to print on a terminal as one line: it may carry names from an untrusted
 * model or file (a tensor name with a newline or a terminal escape, a name 100,000 characters
 * long). Control characters and the invisible direction overrides are written as escapes, and a
 * message longer than {@link MAX_MESSAGE_CHARS} is cut, saying how much was left out.
 */

/** Longest message printed (characters). */
export const MAX_MESSAGE_CHARS = 4000;

/** C0 and C1 controls (tab excepted), DEL, line and paragraph separators, direction overrides. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNPRINTABLE = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r' };

/** `text` with its control characters escaped, cut at {@link MAX_MESSAGE_CHARS} characters. */
export function oneLine(text: string): string {
  const escaped = text.replace(
    UNPRINTABLE,
    (c) => NAMED[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  return escaped.length <= MAX_MESSAGE_CHARS
    ? escaped
    : `${escaped.slice(0, MAX_MESSAGE_CHARS)}... (${escaped.length - MAX_MESSAGE_CHARS} more characters)`;
}
