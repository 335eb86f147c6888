/**
 * Vector files read back (with hyparquet): a file `writeVectorParquet` wrote, its schema checked
 * to be the one it writes, its rows read a row group at a time.
 */
import { asyncBufferFromFile, parquetMetadataAsync, parquetRead, type FileMetaData } from 'hyparquet';
import { messageOf, UserError } from '../errors.js';
import { VECTOR_SCHEMA, type VectorRows } from './parquet.js';

/** A vector file, opened: its row count and footer, and its rows in batches. */
export interface VectorFile {
  rows: number;
  /** The footer's key-value pairs. */
  metadata: Record<string, string>;
  /** The rows, one row group at a time; `start` is the first one's row number (from 0). */
  batches(): AsyncGenerator<VectorRows & { start: number }>;
}

/** The fields of a schema element that make the file's shape. */
const SHAPE_FIELDS = ['name', 'type', 'repetition_type', 'num_children', 'converted_type'] as const;

/** The schema as `name type repetition`, for a message. */
function describeSchema(schema: FileMetaData['schema']): string {
  return schema
    .slice(1)
    .map((e) => [e.name, e.type ?? e.converted_type ?? 'group', e.repetition_type].filter(Boolean).join(' '))
    .join(', ');
}

function hasVectorShape(schema: FileMetaData['schema']): boolean {
  return (
    schema.length === VECTOR_SCHEMA.length &&
    VECTOR_SCHEMA.every((expected, i) =>
      SHAPE_FIELDS.every(
        (field) => schema[i]?.[field] === (expected as Partial<FileMetaData['schema'][number]>)[field],
      ),
    )
  );
}

/**
 * Opens `file` as a vector file. Throws {@link UserError} naming the file when it cannot be read,
 * is not Parquet, or has another schema than a `key` string and a `vector` list<float> column.
 */
export async function openVectorParquet(file: string): Promise<VectorFile> {
  let metadata: FileMetaData;
  let buffer: Awaited<ReturnType<typeof asyncBufferFromFile>>;
  try {
    buffer = await asyncBufferFromFile(file);
  } catch (err) {
    throw new UserError(`${file}: cannot read the vectors: ${messageOf(err)}`, { cause: err });
  }
  try {
    metadata = await parquetMetadataAsync(buffer);
  } catch (err) {
    throw new UserError(`${file}: not a Parquet file (${messageOf(err)})`, { cause: err });
  }
  if (!hasVectorShape(metadata.schema))
    throw new UserError(
      `${file}: not a file of vectors (expected the columns key: string, vector: list<float>; found ${describeSchema(metadata.schema)})`,
    );
  const groups = metadata.row_groups.map((g) => Number(g.num_rows));
  const rows = Number(metadata.num_rows);
  const grouped = groups.reduce((sum, n) => sum + n, 0);
  if (grouped !== rows)
    throw new UserError(`${file}: damaged: its footer says ${rows} rows, its row groups hold ${grouped}`);
  return {
    rows,
    metadata: Object.fromEntries((metadata.key_value_metadata ?? []).map((kv) => [kv.key, kv.value ?? ''])),
    async *batches() {
      let start = 0;
      for (const rows of groups) {
        const batch: VectorRows & { start: number } = { start, keys: [], vectors: [] };
        try {
          await parquetRead({
            file: buffer,
            metadata,
            rowStart: start,
            rowEnd: start + rows,
            onComplete: (read: unknown[][]) => {
              for (const [key, vector] of read) {
                batch.keys.push(key as string);
                batch.vectors.push(Float32Array.from(vector as number[]));
              }
            },
          });
        } catch (err) {
          throw new UserError(
            `${file}: cannot read rows ${start} to ${start + rows - 1}: ${messageOf(err)}`,
            {
              cause: err,
            },
          );
        }
        yield batch;
        start += rows;
      }
    },
  };
}
