/**
 * The one place Parquet files are written (with hyparquet-writer): a flat table in memory (the
 * results export), and a file of vectors written row group by row group (an embed job's
 * `embeddings.parquet`: a `key` string column and a `vector` list<float> column, which pandas,
 * polars and DuckDB read as lists of float32). A file is written under a temporary name and
 * renamed into place, so a crash never leaves half a file under the real name. Vector files are
 * read back by `parquet-read.ts`.
 */
import { randomBytes } from 'node:crypto';
import { rename, rm } from 'node:fs/promises';
import { fileWriter, ParquetWriter, parquetWriteBuffer } from 'hyparquet-writer';

/** Who wrote the file, in its footer. */
const CREATED_BY = 'obifaas';

/** Rows per row group of a vector file: about 5 MB of 1,280-value vectors. */
export const VECTOR_ROW_GROUP_ROWS = 1024;

/** A column of a flat table. */
export interface FlatColumn {
  name: string;
  type: 'STRING' | 'INT32' | 'DOUBLE';
  nullable: boolean;
  data: Array<string | number | null>;
}

/** A flat table as the bytes of a Parquet file. */
export function parquetTableBytes(columns: readonly FlatColumn[]): Uint8Array {
  const columnData = columns.map((c) => ({ name: c.name, data: c.data, type: c.type, nullable: c.nullable }));
  return new Uint8Array(parquetWriteBuffer({ columnData, createdBy: CREATED_BY }));
}

/** Rows of a vector file: `keys[i]` has `vectors[i]`. */
export interface VectorRows {
  keys: string[];
  vectors: Float32Array[];
}

/**
 * The schema of a vector file: a required string `key`, a required list of required floats
 * `vector` (`parquet-read.ts` refuses a file whose schema is not this one).
 */
export const VECTOR_SCHEMA = [
  { name: 'root', num_children: 2 },
  { name: 'key', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' },
  { name: 'vector', repetition_type: 'REQUIRED', num_children: 1, converted_type: 'LIST' },
  { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
  { name: 'element', type: 'FLOAT', repetition_type: 'REQUIRED' },
] as const;

/**
 * Writes `file` from batches of rows (each batch one row group, at most
 * {@link VECTOR_ROW_GROUP_ROWS} rows is a good size), with `metadata` as the footer's key-value
 * pairs; returns the rows written.
 */
export async function writeVectorParquet(
  file: string,
  batches: AsyncIterable<VectorRows> | Iterable<VectorRows>,
  metadata: Readonly<Record<string, string>> = {},
): Promise<number> {
  const temporary = `${file}.${randomBytes(4).toString('hex')}.tmp`;
  let rows = 0;
  try {
    const writer = new ParquetWriter({
      writer: fileWriter(temporary),
      schema: VECTOR_SCHEMA.map((e) => ({ ...e })),
      createdBy: CREATED_BY,
      kvMetadata: Object.entries(metadata).map(([key, value]) => ({ key, value })),
    });
    for await (const batch of batches) {
      if (batch.keys.length === 0) continue;
      // Statistics and dictionaries do nothing for vectors but take time: plain floats.
      await writer.write({
        columnData: [
          { name: 'key', data: batch.keys },
          {
            name: 'vector',
            data: batch.vectors.map((v) => Array.from(v)),
            encoding: 'PLAIN',
            statistics: false,
          },
        ],
        rowGroupSize: batch.keys.length,
      });
      rows += batch.keys.length;
    }
    await writer.finish();
    await rename(temporary, file);
  } catch (err) {
    await rm(temporary, { force: true });
    throw err;
  }
  return rows;
}
