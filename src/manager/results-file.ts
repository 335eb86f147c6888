/**
 * `results.jsonl` as users load it. While a job runs, lines are appended in completion order
 * (what makes a crash lose at most the splits in flight, and `--resume` cut the file at the
 * last finished split). When a job completes, the file is rewritten once, atomically, in input
 * order: line i is the result of input i. A cancelled or stopped job keeps completion order,
 * since `--resume` still needs it; its resume sorts the file when it completes. `job.json`
 * says which order the file is in (`resultsOrder`).
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { InputResult } from '../core/prediction.js';
import { writeFileAtomic } from '../models/cache.js';
import { inputResultSchema } from '../protocol/result-schema.js';
import { checkSchema } from '../util/schema.js';

/** The order of the lines of `results.jsonl`. */
export type ResultsOrder = 'input' | 'completion';

/** One line of `results.jsonl`, or why it is not one. */
export type ResultLine = { line: number; result: InputResult } | { line: number; problem: string };

/** A parsed line as a result, or its problems (the schema of `--resume` and of the functions). */
function check(value: unknown): InputResult | string {
  const checked = checkSchema(inputResultSchema, value);
  return checked.ok ? checked.data : checked.issues.map((i) => `${i.path}: ${i.message}`).join(', ');
}

/** The lines of a results file in file order, each checked; blank lines are skipped. */
export async function* readResultLines(file: string): AsyncGenerator<ResultLine> {
  const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  let n = 0;
  for await (const text of lines) {
    n++;
    if (text.trim() === '') continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      yield { line: n, problem: 'not valid JSON' };
      continue;
    }
    const result = check(parsed);
    yield typeof result === 'string' ? { line: n, problem: result } : { line: n, result };
  }
}

/**
 * Puts result lines in the order of `keys` (a key that occurs k times takes its first k lines,
 * in file order). Lines whose key is not an input, or that a key has too many of, go last in
 * file order, so that nothing is lost.
 */
export function orderByInputs<T>(
  keys: readonly string[],
  lines: readonly T[],
  keyOf: (line: T) => string,
): T[] {
  const slots = new Map<string, number[]>();
  keys.forEach((key, i) => {
    const list = slots.get(key);
    if (list) list.push(i);
    else slots.set(key, [i]);
  });
  const placed: (T | undefined)[] = new Array(keys.length);
  const extra: T[] = [];
  for (const line of lines) {
    const slot = slots.get(keyOf(line))?.shift();
    if (slot === undefined) extra.push(line);
    else placed[slot] = line;
  }
  return [...placed.filter((l): l is T => l !== undefined), ...extra];
}

/**
 * Rewrites `file` in input order, atomically (a crash leaves the old file or the new one, each
 * whole). Lines are kept byte for byte.
 */
export async function sortResultsFile(file: string, keys: readonly string[]): Promise<void> {
  const lines: string[] = [];
  const input = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  for await (const text of input) if (text.trim() !== '') lines.push(text);
  const keyOf = (line: string): string => {
    try {
      const key = (JSON.parse(line) as { key?: unknown }).key;
      return typeof key === 'string' ? key : '';
    } catch {
      return '';
    }
  };
  const sorted = orderByInputs(keys, lines, keyOf);
  await writeFileAtomic(file, Buffer.from(sorted.map((l) => `${l}\n`).join(''), 'utf8'));
}
