/**
 * `readEmbeddings` on folders written here: result lines pointing at rows of a vector file
 * written by the job's own writer, then each way the two can disagree (a missing file, another
 * schema, not Parquet, other row counts, keys or lengths). The vectors of a real embed job are
 * read in `test/integration/api-results.test.ts`.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { useTempDir } from '../../../test/support/temp-dir.js';
import type { InputResult } from '../../core/prediction.js';
import { UserError } from '../../errors.js';
import { writeVectorParquet } from '../../util/parquet.js';
import { resultsParquet } from './export.js';
import { readEmbeddings } from './read-embeddings.js';

const tmp = useTempDir('obifaas-read-embeddings-');
const jsonl = (items: readonly unknown[]): string => items.map((l) => `${JSON.stringify(l)}\n`).join('');
/** In file order: b's vector is row 0, a's row 1, c has none. */
const lines: InputResult[] = [
  { key: 'a.jpg', top: null, error: null, embedding: { dims: 3, row: 1 } },
  { key: 'c.jpg', top: null, error: 'cannot decode' },
  { key: 'b.jpg', top: null, error: null, embedding: { dims: 3, row: 0 } },
];
const vectorA = new Float32Array([1, 2, 3.5]);
const vectorB = new Float32Array([-1, 0.25, 7]);

/** A folder with `results` and, when given, `embeddings.parquet` from `rows` (keys and vectors). */
async function folder(
  results: readonly unknown[],
  rows?: { keys: string[]; vectors: Float32Array[] } | Uint8Array,
): Promise<string> {
  const dir = await mkdtemp(path.join(tmp.path, 'job-'));
  await writeFile(path.join(dir, 'results.jsonl'), jsonl(results));
  const file = path.join(dir, 'embeddings.parquet');
  if (rows instanceof Uint8Array) await writeFile(file, rows);
  else if (rows) await writeVectorParquet(file, [rows]);
  return dir;
}

/** The message of what `readEmbeddings` refused (a `UserError`). */
async function refusal(dir: string): Promise<string> {
  const err = await readEmbeddings(dir, { order: 'file' }).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UserError);
  return (err as Error).message;
}

describe('readEmbeddings', () => {
  it("gives each input's vector from the row its result line names, in one block", async () => {
    const dir = await folder(lines, { keys: ['b.jpg', 'a.jpg'], vectors: [vectorB, vectorA] });
    const read = await readEmbeddings(dir, { order: 'file' });
    expect(read.keys).toEqual(['a.jpg', 'b.jpg']);
    expect(read.dims).toBe(3);
    expect(read.vectors).toEqual([vectorA, vectorB]);
    expect(read.matrix).toEqual(new Float32Array([...vectorA, ...vectorB]));
    expect(read.vectors[1]?.buffer).toBe(read.matrix.buffer);
  });

  it('reads a job whose inputs all failed: no vectors', async () => {
    const dir = await folder([lines[1]], { keys: [], vectors: [] });
    expect(await readEmbeddings(dir, { order: 'file' })).toEqual({
      keys: [],
      dims: 0,
      vectors: [],
      matrix: new Float32Array(0),
    });
  });

  it('says a classify job has no vectors, and names a missing vectors file', async () => {
    const classify = await folder([{ key: 'a.jpg', top: [{ class: 0, score: 1 }], error: null }]);
    expect(await refusal(classify)).toBe(
      `'${classify}' is not an embed job: its results are classes, not vectors`,
    );
    const missing = await folder(lines);
    expect(await refusal(missing)).toBe(
      `${path.join(missing, 'embeddings.parquet')}: missing (an embed job writes it when it ends; a job stopped before that writes it when resumed)`,
    );
  });

  it('refuses a file that is not Parquet, and a Parquet file of other columns', async () => {
    const garbage = await folder(lines, new TextEncoder().encode('not parquet at all'));
    expect(await refusal(garbage)).toMatch(
      new RegExp(`^${path.join(garbage, 'embeddings.parquet')}: not a Parquet file \\(.+\\)$`),
    );
    const table = await folder(lines, resultsParquet(lines));
    expect(await refusal(table)).toBe(
      `${path.join(table, 'embeddings.parquet')}: not a file of vectors (expected the columns key: string, vector: list<float>; ` +
        'found key BYTE_ARRAY REQUIRED, error BYTE_ARRAY OPTIONAL, embedding_row INT32 OPTIONAL, embedding_dims INT32 OPTIONAL)',
    );
  });

  it('refuses vectors that are not the ones the result lines point at', async () => {
    const file = (dir: string): string => path.join(dir, 'embeddings.parquet');
    const results = (dir: string): string => path.join(dir, 'results.jsonl');
    const short = await folder(lines, { keys: ['b.jpg'], vectors: [vectorB] });
    expect(await refusal(short)).toBe(
      `${file(short)} has 1 rows, but ${results(short)} points at 2: the vectors are not this job's`,
    );
    const swapped = await folder(lines, { keys: ['a.jpg', 'b.jpg'], vectors: [vectorA, vectorB] });
    expect(await refusal(swapped)).toBe(
      `${file(swapped)}: row 0 holds the vector of "a.jpg", but ${results(swapped)} gives it to "b.jpg"`,
    );
    const nan = await folder(lines, {
      keys: ['b.jpg', 'a.jpg'],
      vectors: [vectorB, new Float32Array([1, NaN, Infinity])],
    });
    expect(await refusal(nan)).toBe(
      `${file(nan)}: row 1 has 2 NaN or infinite values (a job writes finite ones): the vectors are not this job's`,
    );
    const longer = await folder(lines, { keys: ['b.jpg', 'a.jpg'], vectors: [vectorB, new Float32Array(5)] });
    expect(await refusal(longer)).toBe(`${file(longer)}: row 1 has 5 values, ${results(longer)} says 3`);
  });

  it('refuses result lines that disagree among themselves', async () => {
    const vectors = { keys: ['b.jpg', 'a.jpg'], vectors: [vectorB, vectorA] };
    const twoLengths = await folder([lines[0], { ...lines[2], embedding: { dims: 4, row: 0 } }], vectors);
    expect(await refusal(twoLengths)).toBe(
      `${path.join(twoLengths, 'results.jsonl')}: "b.jpg" has a vector of 4 values, the job's others 3`,
    );
    const huge = await folder([{ ...lines[0], embedding: { dims: 2 ** 31, row: 0 } }], {
      keys: ['a.jpg'],
      vectors: [vectorA],
    });
    expect(await refusal(huge)).toMatch(
      new RegExp(`^${path.join(huge, 'results.jsonl')}:1: embedding\\.dims`),
    );
    const n = 4097;
    const tooMany = await folder(
      Array.from({ length: n }, (_, row) => ({
        key: `${row}`,
        top: null,
        error: null,
        embedding: { dims: 1024 * 1024, row },
      })),
      {
        keys: Array.from({ length: n }, (_, row) => `${row}`),
        vectors: Array.from({ length: n }, () => new Float32Array(1)),
      },
    );
    expect(await refusal(tooMany)).toMatch(
      new RegExp(
        `^${path.join(tooMany, 'results.jsonl')}: 4097 vectors of 1048576 values do not fit in one block of memory`,
      ),
    );
    const oneRow = await folder([lines[0], { ...lines[2], embedding: { dims: 3, row: 1 } }], vectors);
    expect(await refusal(oneRow)).toBe(
      `${path.join(oneRow, 'results.jsonl')}: "a.jpg" and "b.jpg" both point at row 1 of embeddings.parquet`,
    );
  });
});
