import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JobSummary } from '../../manager/types.js';
import { inputErrorsNote } from './input-errors-note.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'obifaas-errors-note-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const ok = (key: string): object => ({ key, top: [{ class: 1, score: 0.9 }], error: null });
const failed = (key: string, error: string): object => ({ key, top: null, error });

async function job(lines: object[], status: JobSummary['status'] = 'completed'): Promise<JobSummary> {
  await writeFile(path.join(dir, 'results.jsonl'), lines.map((l) => `${JSON.stringify(l)}\n`).join(''));
  const errors = lines.filter((l) => (l as { error: unknown }).error !== null).length;
  return { status, inputs: lines.length, ok: lines.length - errors, errors } as JobSummary;
}

describe('inputErrorsNote', () => {
  it('quotes the one error of a job', async () => {
    const summary = await job([ok('a.jpg'), failed('b.jpg', "cannot decode 'b.jpg': not an image")]);
    expect(await inputErrorsNote(dir, summary)).toBe(
      "1 of 2 inputs got an error: cannot decode 'b.jpg': not an image (every one in results.jsonl and the report's Errors)",
    );
  });

  it('says how many got the most frequent message', async () => {
    const summary = await job([
      failed('a.jpg', 'prediction failed: out of memory'),
      failed('b.jpg', "cannot decode 'b.jpg': not an image"),
      failed('c.jpg', 'prediction failed: out of memory'),
      ok('d.jpg'),
    ]);
    expect(await inputErrorsNote(dir, summary)).toMatch(
      /^3 of 4 inputs got an error: 2 of them: prediction failed: out of memory \(every one in/,
    );
  });

  it('quotes the first when every message differs', async () => {
    const summary = await job([
      failed('a.jpg', "no such key 'a.jpg'"),
      failed('b.jpg', "no such key 'b.jpg'"),
    ]);
    expect(await inputErrorsNote(dir, summary)).toMatch(
      /^2 of 2 inputs got an error: the first: no such key 'a\.jpg' \(/,
    );
  });

  it('says nothing of a job without errors, nor of a cancelled one', async () => {
    expect(await inputErrorsNote(dir, await job([ok('a.jpg')]))).toBeNull();
    expect(await inputErrorsNote(dir, await job([failed('a.jpg', 'cancelled')], 'cancelled'))).toBeNull();
  });
});
