/**
 * `results.jsonl` as users load it. While a job runs, lines are appended in completion order
 * (what makes a crash lose at most the splits in flight, and `--resume` cut the file at the
 * last finished split). When a job completes, the file is rewritten once, atomically, in input
 * order: line i is the result of input i. A cancelled or stopped job keeps completion order,
 * since `--resume` still needs it; its resume sorts the file when it completes. `job.json`
 * says which order the file is in (`resultsOrder`).
 */
import type { InputResult } from '../core/prediction.js';
import { writeFileAtomic } from '../util/atomic-file.js';
import { inputResultSchema } from '../protocol/result-schema.js';
import { streamJsonLines } from '../util/json-lines-file.js';
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
  for await (const entry of streamJsonLines(file)) {
    if ('problem' in entry) {
      yield { line: entry.line, problem: entry.problem };
      continue;
    }
    const result = check(entry.value);
    yield typeof result === 'string' ? { line: entry.line, problem: result } : { line: entry.line, result };
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
  const lines: { text: string; key: string }[] = [];
  for await (const entry of streamJsonLines(file)) {
    const key = 'value' in entry ? (entry.value as { key?: unknown } | null)?.key : undefined;
    lines.push({ text: entry.text, key: typeof key === 'string' ? key : '' });
  }
  const sorted = orderByInputs(keys, lines, (line) => line.key);
  await writeFileAtomic(file, Buffer.from(sorted.map((l) => `${l.text}\n`).join(''), 'utf8'));
}
