/**
 * `readJobResults` on job folders written here (results in completion order, as a cancelled job
 * leaves them, with the job's saved spec): input order, file order, damaged lines and folders.
 * The folders of real jobs are read in `test/integration/api-results.test.ts`.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { useTempDir } from '../../../test/support/temp-dir.js';
import type { InputResult } from '../../core/prediction.js';
import { UserError } from '../../errors.js';
import { inputsDigest } from '../../manager/inputs-digest.js';
import { writeJobSpecFile } from '../../manager/job-spec-file.js';
import { compileJobSpec } from '../../spec/compile.js';
import { readJobResults, type ReadJobResultsOptions } from './read-results.js';

const tmp = useTempDir('obifaas-read-results-', { each: true });
const keys = ['a.jpg', 'b.jpg', 'c.jpg'];
/** In completion order. */
const lines: InputResult[] = [
  { key: 'c.jpg', top: null, error: 'cancelled' },
  { key: 'a.jpg', top: [{ class: 1, score: 0.9 }], error: null },
  { key: 'b.jpg', top: null, error: 'decode failed' },
];
const jsonl = (items: readonly unknown[]): string => items.map((l) => `${JSON.stringify(l)}\n`).join('');

/** A job folder with `results` as its results.jsonl and, with `spec`, its saved spec. */
async function jobFolder(results: string, spec = true): Promise<string> {
  const dir = await mkdtemp(path.join(tmp.path, 'job-'));
  await writeFile(path.join(dir, 'results.jsonl'), results);
  if (spec) {
    await writeFile(path.join(tmp.path, 'manifest.txt'), `${keys.join('\n')}\n`);
    await writeJobSpecFile(dir, {
      version: 1,
      jobId: 'job-1',
      spec: compileJobSpec(
        { inputs: path.join(tmp.path, 'manifest.txt'), model: 'tiny', out: dir },
        { cores: 2, now: new Date(), cwd: tmp.path },
      ),
      inputs: { count: keys.length, digest: inputsDigest(keys) },
      runs: [],
    });
  }
  return dir;
}

async function readAll(dir: string, options?: ReadJobResultsOptions): Promise<InputResult[]> {
  const read: InputResult[] = [];
  for await (const line of readJobResults(dir, options)) read.push(line);
  return read;
}

const refusal = (dir: string, options?: ReadJobResultsOptions): Promise<unknown> =>
  readAll(dir, options).then(
    () => null,
    (err: unknown) => err,
  );

describe('readJobResults', () => {
  it("puts a job's lines in the order of its inputs, or leaves them as the file has them", async () => {
    const dir = await jobFolder(jsonl(lines));
    expect(await readAll(dir)).toEqual([lines[1], lines[2], lines[0]]);
    expect(await readAll(dir, { order: 'file' })).toEqual(lines);
  });

  it('leaves out the inputs a job that has not ended has no line for', async () => {
    const dir = await jobFolder(jsonl([lines[0], lines[1]]));
    expect(await readAll(dir)).toEqual([lines[1], lines[0]]);
  });

  it('refuses input order it cannot give, and says to read the file order', async () => {
    const dir = await jobFolder(jsonl(lines), false);
    const err = await refusal(dir);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toBe(
      `${path.join(dir, 'results.jsonl')}: the results are in completion order, and the job's inputs cannot be read to put them in input order (no job.spec.json); read them with order 'file'`,
    );
    expect(await readAll(dir, { order: 'file' })).toEqual(lines);
  });

  it('names the file and line of a damaged line, in either order', async () => {
    const file = (dir: string): string => path.join(dir, 'results.jsonl');
    const badKey = await jobFolder(jsonl([lines[0], { key: 1, top: null, error: 'x' }]));
    for (const order of ['input', 'file'] as const) {
      const err = await refusal(badKey, { order });
      expect(err).toBeInstanceOf(UserError);
      expect((err as Error).message).toBe(`${file(badKey)}:2: key: expected a string, got 1`);
    }
  });

  it('names a line that is not JSON, and one with neither classes nor an error', async () => {
    const notJson = await jobFolder(`${jsonl(lines.slice(0, 2))}\n{"key": "b.jpg",\n`);
    expect(((await refusal(notJson, { order: 'file' })) as Error).message).toBe(
      `${path.join(notJson, 'results.jsonl')}:4: not valid JSON`,
    );
    const neither = await jobFolder(jsonl([{ key: 'a.jpg', top: null, error: null }]));
    expect(((await refusal(neither, { order: 'file' })) as Error).message).toBe(
      `${path.join(neither, 'results.jsonl')}:1: (top level): needs exactly one of top, vector, embedding or error (top and error null otherwise)`,
    );
  });

  it('says a folder without results.jsonl is not a job folder', async () => {
    const err = await refusal(tmp.path);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toBe(`'${tmp.path}' is not a job folder (no results.jsonl)`);
  });
});
