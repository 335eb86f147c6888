/**
 * An embed job's vectors through `--retry-errors` (`reopen-errors.ts`). A complete embed job's
 * vectors are in its `embeddings.parquet` (its staging file is gone), at the rows its result
 * lines name. When splits are taken out of its records, the vectors of the lines kept are staged
 * again in a new staging file, in the order of those lines, and the lines renumbered to match
 * (row r: the r-th vector staged, as for any resumed job); each held line with a vector carries
 * it (`vector`), so that the rewritten split stages it again after the kept ones. The Parquet
 * file is read once, row group by row group; only rows that come before their turn are kept in
 * memory (none when the rows are in order, as a job writes them).
 */
import { open } from 'node:fs/promises';
import path from 'node:path';
import type { ReopenedSplit } from '../core/input-retry.js';
import type { InputResult } from '../core/prediction.js';
import { UserError } from '../errors.js';
import { encodeVector } from '../protocol/vector-encoding.js';
import { jsonLinesText } from '../util/json-lines.js';
import { openVectorParquet } from '../util/parquet-read.js';
import { pathExists } from '../util/paths.js';
import { EMBEDDINGS_FILE, type StagedVector } from './embeddings-file.js';

/** The lines of a job's records that `--retry-errors` keeps, and the splits it takes out. */
interface ReopenedLines {
  lines: InputResult[];
  reopened: ReopenedSplit[];
}

/** Where a row of the Parquet file goes: the kept line it is staged for, or a held line. */
type RowUse = { key: string; dims: number } | { key: string; dims: number; split: number; index: number };

/**
 * `plan` with the vectors of the embed job in `dir` staged again: those of its kept lines
 * written to `stagingFile` (fsync'd) and the lines renumbered, those of its held lines carried
 * by them. Throws {@link UserError} when `embeddings.parquet` is missing or is not the vectors
 * the lines name (another row count, or a row whose key is not its line's).
 */
export async function reopenVectors<P extends ReopenedLines>(
  dir: string,
  plan: P,
  stagingFile: string,
): Promise<P> {
  const file = path.join(dir, EMBEDDINGS_FILE);
  const inconsistent = (what: string): UserError =>
    new UserError(`--retry-errors: ${file} ${what}; the job's vectors cannot be kept, nothing was changed`);
  if (!(await pathExists(file))) throw inconsistent('is missing');
  const uses = new Map<number, RowUse>();
  const use = (line: InputResult, held?: { split: number; index: number }): void => {
    if (!line.embedding) return;
    const { row, dims } = line.embedding;
    const other = uses.get(row);
    if (other)
      throw inconsistent(
        `row ${row} is named by the lines of ${JSON.stringify(other.key)} and ${JSON.stringify(line.key)}`,
      );
    uses.set(row, { key: line.key, dims, ...held });
  };
  const keptRows: number[] = [];
  for (const line of plan.lines) {
    use(line);
    if (line.embedding) keptRows.push(line.embedding.row);
  }
  plan.reopened.forEach((split, s) => split.held.forEach((line, index) => use(line, { split: s, index })));
  const vectorFile = await openVectorParquet(file);
  if (vectorFile.rows !== uses.size)
    throw inconsistent(`has ${vectorFile.rows} rows, but the result lines point at ${uses.size}`);

  const held = plan.reopened.map((split) => [...split.held]);
  const early = new Map<number, string>();
  let next = 0;
  const handle = await open(stagingFile, 'w');
  try {
    for await (const batch of vectorFile.batches()) {
      const staged: StagedVector[] = [];
      batch.keys.forEach((key, j) => {
        const row = batch.start + j;
        const owner = uses.get(row);
        if (!owner) throw inconsistent(`row ${row} is no input's vector`);
        if (owner.key !== key)
          throw inconsistent(
            `row ${row} holds the vector of ${JSON.stringify(key)}, not of ${JSON.stringify(owner.key)}`,
          );
        const values = batch.vectors[j] as Float32Array;
        if (values.length !== owner.dims)
          throw inconsistent(`row ${row} has ${values.length} values, its line says ${owner.dims}`);
        const vector = encodeVector(values);
        if ('split' in owner) {
          const lines = held[owner.split] as InputResult[];
          lines[owner.index] = { key, top: null, error: null, vector };
          return;
        }
        early.set(row, vector);
        for (let r = keptRows[next]; r !== undefined && early.has(r); r = keptRows[++next]) {
          staged.push({ key: (uses.get(r) as RowUse).key, vector: early.get(r) as string });
          early.delete(r);
        }
      });
      if (staged.length > 0) await handle.write(jsonLinesText(staged));
    }
    if (next !== keptRows.length) throw inconsistent(`holds ${next} of the ${keptRows.length} vectors kept`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  let row = 0;
  const lines = plan.lines.map((line) =>
    line.embedding ? { ...line, embedding: { dims: line.embedding.dims, row: row++ } } : line,
  );
  const reopened: ReopenedSplit[] = plan.reopened.map((split, s) => ({
    ...split,
    held: held[s] as InputResult[],
  }));
  return { ...plan, lines, reopened };
}
