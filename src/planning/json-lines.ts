/** Parsing the text of a JSON-lines record file, one record a line, every bad line reported at once. */
import { SpecError, type Issue } from '../errors.js';

/**
 * The records in `text`. Blank lines are skipped; each other line must be JSON that `check`
 * accepts (`check` gets the value, its `SOURCE:LINE` and how many records were accepted before
 * it, and returns its issues). Every bad line is reported at once in a {@link SpecError} with
 * the message `heading`.
 */
export function parseJsonLines<T>(
  text: string,
  source: string,
  check: (value: unknown, where: string, acceptedBefore: number) => Issue[],
  heading: string,
): T[] {
  const records: T[] = [];
  const issues: Issue[] = [];
  text.split('\n').forEach((line, index) => {
    if (line.trim() === '') return;
    const where = `${source}:${index + 1}`;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      issues.push({ path: where, message: 'not valid JSON' });
      return;
    }
    const found = check(value, where, records.length);
    if (found.length > 0) issues.push(...found);
    else records.push(value as T);
  });
  if (issues.length > 0) throw new SpecError(issues, heading);
  return records;
}
