/**
 * `openVectorParquet` on vector files whose footer was altered after writing: row counts that
 * do not add up must be refused as a `UserError`, never read as rows that are not there.
 */
import path from 'node:path';
import { fileWriter, ParquetWriter } from 'hyparquet-writer';
import { describe, expect, it } from 'vitest';
import { useTempDir } from '../../test/support/temp-dir.js';
import { UserError } from '../errors.js';
import { VECTOR_SCHEMA } from './parquet.js';
import { openVectorParquet } from './parquet-read.js';

const tmp = useTempDir('obifaas-parquet-read-');

/** The footer fields the writer keeps until `finish()`, which a test alters. */
interface Footer {
  num_rows: bigint;
  row_groups: Array<{ num_rows: bigint }>;
}

/** A vector file of rows a, b (one row group) and c (another), its footer changed by `alter`. */
async function vectorFile(name: string, alter: (footer: Footer) => void): Promise<string> {
  const file = path.join(tmp.path, name);
  const writer = new ParquetWriter({
    writer: fileWriter(file),
    schema: VECTOR_SCHEMA.map((e) => ({ ...e })),
  });
  const group = (keys: string[], vectors: number[][]) =>
    writer.write({
      columnData: [
        { name: 'key', data: keys },
        { name: 'vector', data: vectors, encoding: 'PLAIN', statistics: false },
      ],
    });
  await group(
    ['a', 'b'],
    [
      [1, 2],
      [3, 4],
    ],
  );
  await group(['c'], [[5, 6]]);
  alter(writer as unknown as Footer);
  await writer.finish();
  return file;
}

/** Every row of `file`, or the `UserError` reading it ended with. */
async function readAll(file: string): Promise<string[] | UserError> {
  try {
    const opened = await openVectorParquet(file);
    const keys: string[] = [];
    for await (const batch of opened.batches()) keys.push(...batch.keys);
    return keys;
  } catch (err) {
    expect(err).toBeInstanceOf(UserError);
    return err as UserError;
  }
}

describe('openVectorParquet on an altered footer', () => {
  it('reads the file as written', async () => {
    expect(await readAll(await vectorFile('plain.parquet', () => {}))).toEqual(['a', 'b', 'c']);
  });

  it('refuses a footer that counts more rows than its row groups hold', async () => {
    const file = await vectorFile('dropped-group.parquet', (footer) => void footer.row_groups.pop());
    const read = await readAll(file);
    expect(read).toBeInstanceOf(UserError);
    expect((read as UserError).message).toBe(
      `${file}: damaged: its footer says 3 rows, its row groups hold 2`,
    );
  });

  it('refuses a row group that holds fewer rows than it declares', async () => {
    const file = await vectorFile('moved-rows.parquet', (footer) => {
      footer.row_groups[0]!.num_rows = 1n;
      footer.row_groups[1]!.num_rows = 2n;
    });
    const read = await readAll(file);
    expect(read).toBeInstanceOf(UserError);
    expect((read as UserError).message).toMatch(/moved-rows\.parquet: cannot read rows 1 to 2: /);
  });
});
