/**
 * An embed job in the job manager, on the scripted in-memory backend (`test/support/`): vectors
 * staged as splits finish, `results.jsonl` at one line per input pointing at its row,
 * `embeddings.parquet` read back with DuckDB (another library than the writer), and a stopped
 * job resumed without losing or repeating a vector.
 */
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ScriptedBackend, scriptedVector } from '../../test/support/scripted-backend.js';
import type { InputResult } from '../core/prediction.js';
import { BackendError } from '../errors.js';
import { compileJobSpec } from '../spec/compile.js';
import { checkSchema } from '../util/schema.js';
import { EMBEDDINGS_FILE, EMBEDDINGS_STAGING_FILE } from './embeddings-file.js';
import { prepareResume } from './resume.js';
import { jobRecordSchema } from './job-record-schema.js';
import { runJob } from './run-job.js';
import type { JobRecord } from './types.js';
import { UNREAD_MODEL_BYTES } from '../../test/support/unread-model.js';

let dir: string;
const keys = Array.from({ length: 12 }, (_, i) =>
  i === 4 ? `bad${i}.jpg` : i === 9 ? `nan${i}.jpg` : `img${i}.jpg`,
);

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'obifaas-embed-'));
  await writeFile(path.join(dir, 'manifest.txt'), keys.join('\n'));
  await writeFile(path.join(dir, 'model.onnx'), UNREAD_MODEL_BYTES);
});
afterEach(async () => {
  // Every record a job wrote passes the schema the report, `results` and `--resume` read it with.
  const text = await readFile(path.join(out(), 'job.json'), 'utf8').catch(() => null);
  const checked = text === null ? null : checkSchema(jobRecordSchema, JSON.parse(text));
  await rm(dir, { recursive: true, force: true });
  expect(checked === null || checked.ok ? [] : checked.issues).toEqual([]);
});

const out = (): string => path.join(dir, 'out');

function spec() {
  return compileJobSpec(
    {
      inputs: path.join(dir, 'manifest.txt'),
      model: path.join(dir, 'model.onnx'),
      workers: 4,
      out: out(),
      task: { kind: 'embed' },
    },
    { cores: 2, now: new Date(), cwd: dir },
  );
}

async function lines(): Promise<InputResult[]> {
  const text = await readFile(path.join(out(), 'results.jsonl'), 'utf8');
  return text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as InputResult);
}

/** The rows of `embeddings.parquet`, read by DuckDB. */
async function parquetRows(): Promise<Array<{ key: string; vector: number[] }>> {
  const db = await DuckDBInstance.create(':memory:');
  const connection = await db.connect();
  try {
    const file = path.join(out(), EMBEDDINGS_FILE).replace(/'/g, "''");
    const reader = await connection.runAndReadAll(`SELECT key, vector FROM read_parquet('${file}')`);
    return reader.getRowObjectsJson() as unknown as Array<{ key: string; vector: number[] }>;
  } finally {
    connection.closeSync();
  }
}

/** Every ok line's vector, as the Parquet row it names holds it, is the one the function sent. */
async function expectVectorsMatch(results: InputResult[]): Promise<void> {
  const rows = await parquetRows();
  const ok = results.filter((l) => l.error === null);
  expect(rows).toHaveLength(ok.length);
  for (const line of ok) {
    const row = rows[line.embedding?.row ?? -1];
    expect(row?.key).toBe(line.key);
    expect(row?.vector).toEqual(Array.from(scriptedVector(line.key)));
  }
  expect(new Set(ok.map((l) => l.embedding?.row)).size).toBe(ok.length);
}

describe('an embed job', () => {
  it('writes one line per input and one Parquet row per ok input', async () => {
    const { record } = await runJob(spec(), { backend: new ScriptedBackend(async () => 'ok') });
    const results = await lines();
    expect(results.map((l) => l.key)).toEqual(keys);
    for (const l of results) {
      if (l.error === null)
        expect(l).toEqual({
          key: l.key,
          top: null,
          error: null,
          embedding: { dims: 4, row: expect.any(Number) },
        });
    }
    expect(results.find((l) => l.key === 'bad4.jpg')?.error).toBe('cannot decode');
    expect(results.find((l) => l.key === 'nan9.jpg')?.error).toBe(
      'the vector returned has 1 of 4 values NaN or infinite',
    );
    expect(record.summary).toMatchObject({ ok: 10, errors: 2 });
    expect(record.embeddings).toEqual({ file: path.join(out(), EMBEDDINGS_FILE), rows: 10, dims: 4 });
    expect(record.task).toEqual({ kind: 'embed' });
    await expectVectorsMatch(results);
    // A completed job keeps its vectors in the Parquet file only.
    await expect(stat(path.join(out(), EMBEDDINGS_STAGING_FILE))).rejects.toThrow();
  });

  it('is resumed without losing or repeating a vector', async () => {
    // The first run stops after some splits: the last chunk fails for good.
    const failing = new ScriptedBackend(async (payload) =>
      payload.splits.some((s) => s.keys.includes('img11.jpg'))
        ? new BackendError('the function is gone', false)
        : 'ok',
    );
    const first = await runJob(spec(), { backend: failing });
    expect(first.record.status).toBe('failed');
    const staged = (await readFile(path.join(out(), EMBEDDINGS_STAGING_FILE), 'utf8')).trim().split('\n');
    expect(staged).toHaveLength(first.record.embeddings?.rows ?? -1);
    // A vector staged by a split whose lines never made it to results.jsonl is dropped on resume.
    await writeFile(
      path.join(out(), EMBEDDINGS_STAGING_FILE),
      `${staged.join('\n')}\n{"key":"img11.jpg","vector":"AACAPw=="}\n`,
    );
    const prepared = await prepareResume(out());
    if (prepared.kind !== 'resume') throw new Error('expected a job to resume');
    const second = await runJob(prepared.spec, {
      backend: new ScriptedBackend(async () => 'ok'),
      resume: prepared.state,
      lock: prepared.lock,
    }).finally(() => prepared.lock.release());
    expect(second.record.status).toBe('completed');
    const results = await lines();
    expect(results.map((l) => l.key)).toEqual(keys);
    expect(second.record.embeddings?.rows).toBe(10);
    await expectVectorsMatch(results);
  });

  it('refuses to resume a folder whose staged vectors are not the kept lines', async () => {
    const failing = new ScriptedBackend(async (payload) =>
      payload.splits.some((s) => s.keys.includes('img11.jpg')) ? new BackendError('gone', false) : 'ok',
    );
    await runJob(spec(), { backend: failing });
    const file = path.join(out(), EMBEDDINGS_STAGING_FILE);
    const staged = (await readFile(file, 'utf8')).trim().split('\n');
    await writeFile(file, `${[staged[1], staged[0], ...staged.slice(2)].join('\n')}\n`);
    await expect(prepareResume(out())).rejects.toThrow(
      /holds the vector of "img1.jpg", not of "img0.jpg"; the folder is inconsistent/,
    );
    await writeFile(file, '');
    await expect(prepareResume(out())).rejects.toThrow(/has 0 vectors but the results kept need \d+/);
  });
});

describe('task checks of the job manager', () => {
  it('refuses a vector in a classify job and a prediction in an embed job, per input', async () => {
    const record = await runJob(
      compileJobSpec(
        {
          inputs: path.join(dir, 'manifest.txt'),
          model: path.join(dir, 'model.onnx'),
          out: out(),
          workers: 2,
        },
        { cores: 2, now: new Date(), cwd: dir },
      ),
      {
        backend: new ScriptedBackend(async (payload) => {
          // A function that answers as if the job were an embed job.
          payload.task = { kind: 'embed' };
          return 'ok';
        }),
      },
    );
    expect(record.summary.ok).toBe(0);
    expect((await lines()).find((l) => l.key === 'img0.jpg')?.error).toBe('no prediction returned');
    const saved = JSON.parse(await readFile(path.join(out(), 'job.json'), 'utf8')) as JobRecord;
    expect(saved.embeddings).toBeUndefined();
  });
});
