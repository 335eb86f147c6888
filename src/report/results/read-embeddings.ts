/**
 * An embed job's vectors read back: `results.jsonl` says which row of `embeddings.parquet` holds
 * each input's vector and its length; the Parquet file is checked against that (its schema, its
 * row count, each row's key, length and finite values) before any vector is given out.
 */
import path from 'node:path';
import type { InputResult } from '../../core/prediction.js';
import { UserError } from '../../errors.js';
import { EMBEDDINGS_FILE } from '../../manager/embeddings-file.js';
import { nonFiniteCount } from '../../protocol/vector-encoding.js';
import { RESULTS_FILE } from '../../manager/output.js';
import { openVectorParquet } from '../../util/parquet-read.js';
import { pathExists } from '../../util/paths.js';
import { openJobResults, type ReadJobResultsOptions } from './read-results.js';

/**
 * An embed job's vectors, one per input that has one (an input whose line is an error has
 * none), in the order of its result lines (input order by default). All of them are in one
 * block of memory, `matrix`, which a matrix library or a nearest-neighbour index takes as it
 * is; `vectors[i]` is the view of `keys[i]`'s row of it.
 */
export interface JobEmbeddings {
  /** The inputs with a vector, in order (a key the job's inputs list twice is here twice). */
  keys: string[];
  /** The length of every vector (0 when no input has one). */
  dims: number;
  /** `vectors[i]` is the vector of `keys[i]`: `dims` float32 values, a view into `matrix`. */
  vectors: Float32Array[];
  /** Every vector, row after row: `keys.length` rows of `dims` values. */
  matrix: Float32Array;
}

/** The lines with a vector, checked: one length, rows 0..n-1 each given once. */
function vectorLines(
  lines: readonly InputResult[],
  results: string,
): { keys: string[]; rows: number[]; dims: number } {
  const keys: string[] = [];
  const rows: number[] = [];
  let dims = 0;
  const owner = new Map<number, string>();
  for (const line of lines) {
    if (!line.embedding) continue;
    const { row } = line.embedding;
    if (dims === 0) dims = line.embedding.dims;
    else if (line.embedding.dims !== dims)
      throw new UserError(
        `${results}: ${JSON.stringify(line.key)} has a vector of ${line.embedding.dims} values, the job's others ${dims}`,
      );
    const other = owner.get(row);
    if (other !== undefined)
      throw new UserError(
        `${results}: ${JSON.stringify(other)} and ${JSON.stringify(line.key)} both point at row ${row} of ${EMBEDDINGS_FILE}`,
      );
    owner.set(row, line.key);
    keys.push(line.key);
    rows.push(row);
  }
  return { keys, rows, dims };
}

/** The block for `rows` vectors of `dims` values; refused when it cannot be allocated. */
function allocateMatrix(rows: number, dims: number, results: string): Float32Array {
  try {
    return new Float32Array(rows * dims);
  } catch (err) {
    if (!(err instanceof RangeError)) throw err;
    throw new UserError(
      `${results}: ${rows} vectors of ${dims} values do not fit in one block of memory (${err.message})`,
      { cause: err },
    );
  }
}

/**
 * The vectors of the embed job in `dir`: `embeddings.parquet` read through `results.jsonl`,
 * whose lines (read as `readJobResults` reads them, with the same `options`) say which row
 * holds each input's vector and how long it is. Throws `UserError` naming the file for a job that
 * is not an embed job, a vectors file that is missing or not one (another schema, another
 * number of rows, a row whose key or length is not what its result line says, or a NaN or infinite value), and what
 * `readJobResults` throws.
 */
export async function readEmbeddings(
  dir: string,
  options: ReadJobResultsOptions = {},
): Promise<JobEmbeddings> {
  const lines: InputResult[] = [];
  for await (const line of (await openJobResults(dir, options.order ?? 'input')).lines) lines.push(line);
  const results = path.join(dir, RESULTS_FILE);
  const file = path.join(dir, EMBEDDINGS_FILE);
  const { keys, rows, dims } = vectorLines(lines, results);
  if (!(await pathExists(file))) {
    if (keys.length === 0 && lines.some((l) => l.top !== null))
      throw new UserError(`'${dir}' is not an embed job: its results are classes, not vectors`);
    throw new UserError(
      `${file}: missing (an embed job writes it when it ends; a job stopped before that writes it when resumed)`,
    );
  }
  const vectorFile = await openVectorParquet(file);
  if (vectorFile.rows !== keys.length)
    throw new UserError(
      `${file} has ${vectorFile.rows} rows, but ${results} points at ${keys.length}: the vectors are not this job's`,
    );
  const slot = new Map(rows.map((row, i) => [row, i]));
  const matrix = allocateMatrix(keys.length, dims, results);
  for await (const batch of vectorFile.batches()) {
    batch.keys.forEach((key, j) => {
      const row = batch.start + j;
      const i = slot.get(row);
      if (i === undefined)
        throw new UserError(
          `${file}: row ${row} is no input's vector in ${results}: the vectors are not this job's`,
        );
      if (key !== keys[i])
        throw new UserError(
          `${file}: row ${row} holds the vector of ${JSON.stringify(key)}, but ${results} gives it to ${JSON.stringify(keys[i])}`,
        );
      const vector = batch.vectors[j] as Float32Array;
      if (vector.length !== dims)
        throw new UserError(`${file}: row ${row} has ${vector.length} values, ${results} says ${dims}`);
      const nonFinite = nonFiniteCount(vector);
      if (nonFinite > 0)
        throw new UserError(
          `${file}: row ${row} has ${nonFinite} NaN or infinite values (a job writes finite ones): the vectors are not this job's`,
        );
      matrix.set(vector, i * dims);
    });
  }
  const vectors = keys.map((_, i) => matrix.subarray(i * dims, (i + 1) * dims));
  return { keys, dims, vectors, matrix };
}
