/**
 * A job's results read back through the API, from the folders of real jobs on the local
 * backend: a classify job with the `tiny` model (`readJobResults`, in input order) and an embed
 * job (`readEmbeddings`, each vector checked against what DuckDB reads from the same Parquet
 * file), then the same folders damaged.
 */
import { appendFile, cp, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  generateDataset,
  readEmbeddings,
  readJobResults,
  resolveJobSpec,
  runJob,
  UserError,
  type GeneratedDataset,
  type InputResult,
  type ReadJobResultsOptions,
} from '../../src/index.js';
import { twoOutputModel } from '../support/task-models.js';
import { useTempDir } from '../support/temp-dir.js';

const tmp = useTempDir('obifaas-api-results-');
let dataset: GeneratedDataset;
let classifyOut: string;
let embedOut: string;

beforeAll(async () => {
  dataset = await generateDataset({ count: 7, outDir: path.join(tmp.path, 'data'), seed: 5 });
  const home = path.join(tmp.path, 'home');
  const model = path.join(tmp.path, 'two.onnx');
  await writeFile(model, twoOutputModel());
  const common = { inputs: dataset.manifestPath, workers: 2, splitSize: 2 };
  const [classify, embed] = await Promise.all([
    runJob(resolveJobSpec({ ...common, model: 'tiny', topK: 2, out: path.join(tmp.path, 'classify') }), {
      home,
    }),
    runJob(
      resolveJobSpec({
        ...common,
        model,
        task: { kind: 'embed', output: 'features' },
        out: path.join(tmp.path, 'embed'),
      }),
      { home },
    ),
  ]);
  expect([classify.status, classify.ok, embed.status, embed.ok]).toEqual(['completed', 7, 'completed', 7]);
  classifyOut = classify.out;
  embedOut = embed.out;
}, 120_000);

async function readAll(dir: string, options?: ReadJobResultsOptions): Promise<InputResult[]> {
  const lines: InputResult[] = [];
  for await (const line of readJobResults(dir, options)) lines.push(line);
  return lines;
}

/** A copy of a job's folder, to damage. */
async function copyOf(dir: string, name: string): Promise<string> {
  const copy = path.join(tmp.path, name);
  await cp(dir, copy, { recursive: true });
  return copy;
}

describe("a classify job's results", () => {
  it("come back typed, one per input in the inputs' order", async () => {
    const lines = await readAll(classifyOut);
    expect(lines.map((l) => l.key)).toEqual(dataset.keys);
    for (const line of lines) {
      expect(line.error).toBeNull();
      expect(line.top).toHaveLength(2);
    }
    expect(await readAll(classifyOut, { order: 'file' })).toEqual(lines);
  });

  it('have no vectors', async () => {
    await expect(readEmbeddings(classifyOut)).rejects.toThrow(
      `'${classifyOut}' is not an embed job: its results are classes, not vectors`,
    );
  });

  it('name the file and line of a damaged line', async () => {
    const copy = await copyOf(classifyOut, 'classify-damaged');
    await appendFile(path.join(copy, 'results.jsonl'), '{"key": "extra.jpg", "top": [], "error": "x"}\n');
    const err = await readAll(copy).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toBe(
      `${path.join(copy, 'results.jsonl')}:8: (top level): needs exactly one of top, vector, embedding or error (top and error null otherwise)`,
    );
  });
});

describe("an embed job's vectors", () => {
  it('are the rows of embeddings.parquet its result lines name, in input order', async () => {
    const read = await readEmbeddings(embedOut);
    expect(read.keys).toEqual(dataset.keys);
    expect(read.dims).toBe(12);
    expect(read.vectors).toHaveLength(7);
    const lines = await readAll(embedOut);
    expect(lines.map((l) => l.embedding?.dims)).toEqual(new Array(7).fill(12));

    // What another Parquet reader finds in the file, by key.
    const db = await DuckDBInstance.create(':memory:');
    const connection = await db.connect();
    try {
      const file = path.join(embedOut, 'embeddings.parquet').replace(/'/g, "''");
      const rows = (
        await connection.runAndReadAll(`SELECT key, vector FROM read_parquet('${file}')`)
      ).getRowObjectsJson();
      const byKey = new Map(rows.map((r) => [r.key as string, r.vector as number[]]));
      read.keys.forEach((key, i) => expect(Array.from(read.vectors[i] ?? []), key).toEqual(byKey.get(key)));
    } finally {
      connection.closeSync();
    }
  });

  it("are refused when the Parquet file is not this job's", async () => {
    const copy = await copyOf(embedOut, 'embed-other-file');
    const lines = (await readFile(path.join(embedOut, 'results.jsonl'), 'utf8')).trim().split('\n');
    // Six of the seven lines: the file has a row no line points at.
    await writeFile(path.join(copy, 'results.jsonl'), `${lines.slice(1).join('\n')}\n`);
    await expect(readEmbeddings(copy, { order: 'file' })).rejects.toThrow(
      `${path.join(copy, 'embeddings.parquet')} has 7 rows, but ${path.join(copy, 'results.jsonl')} points at 6: the vectors are not this job's`,
    );
  });
});
