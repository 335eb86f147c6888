/**
 * An embed job's vectors in its folder. While the job runs, each finished split's vectors are
 * appended to `embeddings.staging.jsonl` (key and base64 float32 vector, fsync'd) before its
 * lines go to `results.jsonl`, where each ok input's line says `embedding: {dims, row}`: row r
 * is the r-th vector staged. When a run ends, the staged vectors are written to
 * `embeddings.parquet` in the same order (`key` and `vector` list<float> columns, so row r of
 * the Parquet file is the line's row). A resumed job keeps the vectors of the lines it keeps and
 * no others, so no vector is lost or written twice.
 */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import * as z from 'zod';
import type { InputResult } from '../core/prediction.js';
import { UserError } from '../errors.js';
import { vectorTextSchema } from '../protocol/result-schema.js';
import { decodeVector, nonFiniteCount } from '../protocol/vector-encoding.js';
import { keepJsonLines, readJsonLinesFile, streamJsonLines } from '../util/json-lines-file.js';
import { parseWithSchema } from '../util/schema.js';
import { VECTOR_ROW_GROUP_ROWS, writeVectorParquet, type VectorRows } from '../util/parquet.js';
import type { JobTask } from './job-contract.js';
import type { JsonlLog } from './output.js';

/** The vectors of an embed job, one row per ok input. */
export const EMBEDDINGS_FILE = 'embeddings.parquet';
/** The vectors staged as they arrive, until the run ends. */
export const EMBEDDINGS_STAGING_FILE = 'embeddings.staging.jsonl';

/** One line of the staging file. */
export const stagedVectorSchema = z.strictObject({ key: z.string(), vector: vectorTextSchema });
export type StagedVector = z.output<typeof stagedVectorSchema>;

/** A vector a function sent, checked: its length, or why it is not one to keep. */
export function checkVector(text: string, dims: number | null): { dims: number } | { error: string } {
  const values = decodeVector(text);
  if (values.length === 0) return { error: 'an empty vector was returned' };
  const bad = nonFiniteCount(values);
  if (bad > 0) return { error: `the vector returned has ${bad} of ${values.length} values NaN or infinite` };
  if (dims !== null && values.length !== dims)
    return { error: `the vector returned has ${values.length} values, the job's others ${dims}` };
  return { dims: values.length };
}

/** The staging log of a running embed job: rows staged so far and their length. */
export class VectorLog {
  constructor(
    private readonly log: JsonlLog,
    /** Rows staged (by earlier runs too). */
    public rows = 0,
    /** Values per vector, fixed by the first one. */
    public dims: number | null = null,
  ) {}

  /** Counts the rows an earlier run staged, from the result lines it kept. */
  restore(lines: readonly InputResult[]): void {
    for (const line of lines) {
      if (!line.embedding) continue;
      this.rows++;
      this.dims ??= line.embedding.dims;
    }
  }

  /** Stages `vectors` (written and fsync'd before this resolves). */
  append(vectors: readonly StagedVector[]): Promise<void> {
    return this.log.append(vectors);
  }

  close(): Promise<void> {
    return this.log.close();
  }
}

/**
 * Cuts the staging file of the job in `dir` to the vectors of `kept` result lines (a resumed
 * job), checking that they are the same keys in the same order. Throws {@link UserError} when
 * the file holds fewer vectors or others.
 */
export async function keepStagedVectors(dir: string, kept: readonly InputResult[]): Promise<void> {
  const file = path.join(dir, EMBEDDINGS_STAGING_FILE);
  const staged = await readJsonLinesFile(file, stagedVectorSchema, { what: '--resume: bad records' });
  const keys = kept.filter((l) => l.embedding !== undefined).map((l) => l.key);
  if (staged.records.length < keys.length)
    throw new UserError(
      `--resume: ${file} has ${staged.records.length} vectors but the results kept need ${keys.length}; the folder is inconsistent`,
    );
  const wrong = keys.findIndex((key, i) => staged.records[i]?.key !== key);
  if (wrong >= 0)
    throw new UserError(
      `--resume: ${file} line ${wrong + 1} holds the vector of ${JSON.stringify(staged.records[wrong]?.key)}, not of ${JSON.stringify(keys[wrong])}; the folder is inconsistent`,
    );
  await keepJsonLines(file, staged, keys.length);
}

/** The first `rows` staged vectors, in batches of a row group. */
async function* stagedBatches(file: string, rows: number): AsyncGenerator<VectorRows> {
  let batch: VectorRows = { keys: [], vectors: [] };
  let n = 0;
  for await (const entry of streamJsonLines(file)) {
    if (n >= rows) break;
    n++;
    const where = `${file}:${entry.line}`;
    if ('problem' in entry) throw new UserError(`${where}: ${entry.problem}`);
    const staged = parseWithSchema(stagedVectorSchema, entry.value, where);
    batch.keys.push(staged.key);
    batch.vectors.push(decodeVector(staged.vector));
    if (batch.keys.length === VECTOR_ROW_GROUP_ROWS) {
      yield batch;
      batch = { keys: [], vectors: [] };
    }
  }
  if (n < rows) throw new UserError(`${file} has ${n} vectors, ${rows} expected`);
  yield batch;
}

/**
 * Writes `embeddings.parquet` in `dir` from the first `rows` staged vectors (all a run's result
 * lines point at), with `metadata` in its footer; returns the path.
 */
export async function writeEmbeddings(
  dir: string,
  rows: number,
  metadata: Readonly<Record<string, string>>,
): Promise<string> {
  const file = path.join(dir, EMBEDDINGS_FILE);
  await writeVectorParquet(file, stagedBatches(path.join(dir, EMBEDDINGS_STAGING_FILE), rows), metadata);
  return file;
}

/**
 * Writes the job's `embeddings.parquet` from the vectors `vectors` staged so far (a stopped job's
 * too), its footer naming the job, its model and the output read; returns what `job.json` says
 * of it.
 */
export async function writeJobEmbeddings(
  dir: string,
  vectors: VectorLog,
  job: { jobId: string; modelUri: string; task: JobTask },
): Promise<{ file: string; rows: number; dims: number | null }> {
  const { task, resolved } = job.task;
  const file = await writeEmbeddings(dir, vectors.rows, {
    'obifaas.job': job.jobId,
    'obifaas.model': job.modelUri,
    'obifaas.output': resolved?.output ?? task.output ?? '',
    'obifaas.normalized': String(task.kind === 'embed' && task.normalize === true),
  });
  return { file, rows: vectors.rows, dims: vectors.dims };
}

/** Removes the staging file of a completed job (its vectors are all in the Parquet file). */
export async function removeStagedVectors(dir: string): Promise<void> {
  await rm(path.join(dir, EMBEDDINGS_STAGING_FILE), { force: true });
}
