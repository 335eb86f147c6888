/**
 * Rows of a Parquet file as DuckDB reads it: what a user of pandas, polars or DuckDB would see
 * in the files our jobs write.
 */
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';

/** `SELECT columns FROM read_parquet(file)`, as plain JSON-like row objects. */
export async function readParquetRows<Row>(file: string, columns = '*'): Promise<Row[]> {
  const db = await DuckDBInstance.create(':memory:');
  const connection = await db.connect();
  try {
    const quoted = file.replace(/'/g, "''");
    const reader = await connection.runAndReadAll(`SELECT ${columns} FROM read_parquet('${quoted}')`);
    return reader.getRowObjectsJson() as unknown as Row[];
  } finally {
    connection.closeSync();
  }
}

/** One embedding row: the input's key and its vector. */
export interface VectorRow {
  key: string;
  vector: number[];
}

/** The key and vector rows of an embed job's `embeddings.parquet` in `folder`, in file order. */
export function readVectorRows(folder: string): Promise<VectorRow[]> {
  return readParquetRows<VectorRow>(path.join(folder, 'embeddings.parquet'), 'key, vector');
}

/** key -> vector, from an embed job's `embeddings.parquet` in `folder`. */
export async function readVectorsByKey(folder: string): Promise<Map<string, number[]>> {
  return new Map((await readVectorRows(folder)).map((r) => [r.key, r.vector]));
}
