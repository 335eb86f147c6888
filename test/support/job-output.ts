/** Reading a job's output folder in tests, and acting on one worker's function process. */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'vitest';
import type { SplitLogLine } from '../../src/manager/result-sink.js';
import { readJobRecord } from '../../src/manager/output.js';
import type { JobRecord } from '../../src/manager/types.js';
import type { InputResult } from '../../src/core/prediction.js';

export async function readJsonl<T>(file: string): Promise<T[]> {
  const text = await readFile(file, 'utf8');
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as T);
}

export const readResults = (out: string): Promise<InputResult[]> =>
  readJsonl<InputResult>(path.join(out, 'results.jsonl'));

export const readSplitLog = (out: string): Promise<SplitLogLine[]> =>
  readJsonl<SplitLogLine>(path.join(out, 'splits.jsonl'));

/** `job.json`, read through its schema: a record our own job wrote always passes it. */
export async function readRecord(out: string): Promise<JobRecord> {
  return readJobRecord(out);
}

/** Every input has exactly one line. */
export function expectEveryInputOnce(lines: readonly InputResult[], keys: readonly string[]): void {
  expect(lines.map((l) => l.key).sort()).toEqual([...keys].sort());
}

/** One line per key, as comparable text (order-insensitive comparison of two runs). */
export function sortedLines(lines: readonly InputResult[]): string[] {
  return lines.map((l) => JSON.stringify({ key: l.key, top: l.top, error: l.error })).sort();
}
