import { mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { ScriptedBackend } from '../../../test/support/scripted-backend.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exitCodeFor } from '../../cli/exit-codes.js';
import type { InputResult } from '../../core/prediction.js';
import { inputsDigest } from '../../manager/inputs-digest.js';
import { writeJobSpecFile } from '../../manager/job-spec-file.js';
import { runJob } from '../../manager/run-job.js';
import { compileJobSpec } from '../../spec/compile.js';
import { exportResults } from './export.js';
import { csvField, resultsCsv } from './table.js';
import { UNREAD_MODEL_BYTES } from '../../../test/support/unread-model.js';

let dir: string;
const keys = ['img/a.jpg', 'img/b,"quoted".jpg', 'img/c.jpg', 'img/d.jpg'];
/** In completion order, as a cancelled job leaves them. */
const lines: InputResult[] = [
  { key: 'img/c.jpg', top: null, error: 'decode failed: not a JPEG' },
  {
    key: 'img/a.jpg',
    top: [
      { class: 3, label: 'cat', score: 0.75 },
      { class: 1, label: 'dog', score: 0.25 },
    ],
    error: null,
  },
  { key: 'img/b,"quoted".jpg', top: [{ class: 7, label: 'car', score: 0.5 }], error: null },
  {
    key: 'img/d.jpg',
    top: [
      { class: 3, label: 'cat', score: 0.6 },
      { class: 2, label: 'fox', score: 0.4 },
    ],
    error: null,
  },
];

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'obifaas-export-'));
  await writeFile(path.join(dir, 'manifest.txt'), `${keys.join('\n')}\n`);
  await writeJobSpecFile(dir, {
    version: 1,
    jobId: 'job-1',
    spec: compileJobSpec(
      { inputs: path.join(dir, 'manifest.txt'), model: 'tiny', out: dir },
      { cores: 2, now: new Date(), cwd: dir },
    ),
    inputs: { count: keys.length, digest: inputsDigest(keys) },
    runs: [],
  });
  await writeFile(path.join(dir, 'results.jsonl'), lines.map((l) => `${JSON.stringify(l)}\n`).join(''));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('obifaas results', () => {
  it('writes CSV in input order, quoting what needs it', async () => {
    expect(csvField('a,"b"')).toBe('"a,""b"""');
    expect(csvField(null)).toBe('');
    const done = await exportResults(dir, 'csv');
    expect(done).toMatchObject({ rows: 4, order: 'input', notes: [] });
    const text = await readFile(done.file, 'utf8');
    expect(text).toBe(
      [
        'key,error,top1_class,top1_label,top1_score,top2_class,top2_label,top2_score',
        'img/a.jpg,,3,cat,0.75,1,dog,0.25',
        'img/b,"quoted".jpg,,7,car,0.5,,,'.replace('img/b,"quoted".jpg', '"img/b,""quoted"".jpg"'),
        'img/c.jpg,decode failed: not a JPEG,,,,,,',
        'img/d.jpg,,3,cat,0.6,2,fox,0.4',
        '',
      ].join('\r\n'),
    );
    expect(resultsCsv([])).toBe('key,error\r\n');
  });

  it('writes JSON lines in input order', async () => {
    const done = await exportResults(dir, 'jsonl', path.join(dir, 'ordered.jsonl'));
    const read = (await readFile(done.file, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as InputResult);
    expect(read.map((r) => r.key)).toEqual(keys);
    expect(read[0]).toEqual(lines[1]);
    expect(read[3]).toEqual(lines[3]);
  });

  it('writes Parquet that DuckDB reads back row for row', async () => {
    const done = await exportResults(dir, 'parquet');
    const db = await DuckDBInstance.create(':memory:');
    const connection = await db.connect();
    try {
      const reader = await connection.runAndReadAll(
        `SELECT key, error, top1_class, top1_label, top1_score, top2_class, top2_score FROM read_parquet('${done.file.replace(/'/g, "''")}')`,
      );
      expect(reader.getRowObjectsJson()).toEqual([
        {
          key: 'img/a.jpg',
          error: null,
          top1_class: 3,
          top1_label: 'cat',
          top1_score: 0.75,
          top2_class: 1,
          top2_score: 0.25,
        },
        {
          key: 'img/b,"quoted".jpg',
          error: null,
          top1_class: 7,
          top1_label: 'car',
          top1_score: 0.5,
          top2_class: null,
          top2_score: null,
        },
        {
          key: 'img/c.jpg',
          error: 'decode failed: not a JPEG',
          top1_class: null,
          top1_label: null,
          top1_score: null,
          top2_class: null,
          top2_score: null,
        },
        {
          key: 'img/d.jpg',
          error: null,
          top1_class: 3,
          top1_label: 'cat',
          top1_score: 0.6,
          top2_class: 2,
          top2_score: 0.4,
        },
      ]);
    } finally {
      connection.closeSync();
    }
  });

  it("gives an embed job's inputs their vector's row in embeddings.parquet, in CSV and Parquet", async () => {
    const embed = await mkdtemp(path.join(os.tmpdir(), 'obifaas-export-embed-'));
    const embedLines: InputResult[] = [
      { key: 'a.jpg', top: null, error: null, embedding: { dims: 8, row: 1 } },
      { key: 'b.jpg', top: null, error: 'cannot decode' },
      { key: 'c.jpg', top: null, error: null, embedding: { dims: 8, row: 0 } },
    ];
    await writeFile(
      path.join(embed, 'results.jsonl'),
      embedLines.map((l) => `${JSON.stringify(l)}\n`).join(''),
    );
    const csv = await exportResults(embed, 'csv', '-');
    expect(csv.text).toBe(
      [
        'key,error,embedding_row,embedding_dims',
        'a.jpg,,1,8',
        'b.jpg,cannot decode,,',
        'c.jpg,,0,8',
        '',
      ].join('\r\n'),
    );
    const parquet = await exportResults(embed, 'parquet');
    const db = await DuckDBInstance.create(':memory:');
    const connection = await db.connect();
    try {
      const reader = await connection.runAndReadAll(
        `SELECT key, embedding_row, embedding_dims FROM read_parquet('${parquet.file.replace(/'/g, "''")}')`,
      );
      expect(reader.getRowObjectsJson()).toEqual([
        { key: 'a.jpg', embedding_row: 1, embedding_dims: 8 },
        { key: 'b.jpg', embedding_row: null, embedding_dims: null },
        { key: 'c.jpg', embedding_row: 0, embedding_dims: 8 },
      ]);
    } finally {
      connection.closeSync();
      await rm(embed, { recursive: true, force: true });
    }
  });

  it('says a folder without results.jsonl is not a job folder', async () => {
    const empty = await mkdtemp(path.join(os.tmpdir(), 'obifaas-export-none-'));
    await expect(exportResults(empty, 'csv')).rejects.toThrow(
      `'${empty}' is not a job folder (no results.jsonl)`,
    );
    await rm(empty, { recursive: true, force: true });
  });

  it('refuses a damaged job.json with exit 2, naming the file and the field, rather than guess the order', async () => {
    const damaged = await mkdtemp(path.join(os.tmpdir(), 'obifaas-export-record-'));
    await writeFile(path.join(damaged, 'results.jsonl'), lines.map((l) => `${JSON.stringify(l)}\n`).join(''));
    const file = path.join(damaged, 'job.json');
    await writeFile(file, JSON.stringify({ version: 1, resultsOrder: 'input', summary: { inputs: -1 } }));
    const err = await exportResults(damaged, 'csv', '-').then(
      () => null,
      (e: unknown) => e,
    );
    expect(exitCodeFor(err)).toBe(2);
    expect((err as Error).message).toMatch(`invalid job record ${file}: jobId: missing`);
    expect((err as Error).message).toContain('To go on: restore job.json from a copy, or move it aside');
    await rm(damaged, { recursive: true, force: true });
  });

  it('refuses a damaged job.spec.json with exit 2, naming the file and the field; without one, keeps the file order', async () => {
    const damaged = await mkdtemp(path.join(os.tmpdir(), 'obifaas-export-spec-'));
    await writeFile(path.join(damaged, 'results.jsonl'), lines.map((l) => `${JSON.stringify(l)}\n`).join(''));
    const none = await exportResults(damaged, 'csv', '-');
    expect(none).toMatchObject({ order: 'file', notes: [expect.stringMatching(/no job\.spec\.json/)] });
    const file = path.join(damaged, 'job.spec.json');
    await writeFile(file, JSON.stringify({ version: 1, spec: { inputs: path.join(dir, 'manifest.txt') } }));
    const err = await exportResults(damaged, 'csv', '-').then(
      () => null,
      (e: unknown) => e,
    );
    expect(exitCodeFor(err)).toBe(2);
    expect((err as Error).message).toMatch(`invalid job spec file ${file}: jobId: missing`);
    await writeFile(file, '{"version": 1,');
    await expect(exportResults(damaged, 'csv', '-')).rejects.toThrow(`${file}: not valid JSON`);
    await rm(damaged, { recursive: true, force: true });
  });

  it('refuses a damaged job.spec.json of a completed job too, with what to do; moved aside, the results export', async () => {
    const jobs = await mkdtemp(path.join(os.tmpdir(), 'obifaas-export-done-'));
    await writeFile(path.join(jobs, 'manifest.txt'), `${keys.join('\n')}\n`);
    await writeFile(path.join(jobs, 'model.onnx'), UNREAD_MODEL_BYTES);
    const spec = compileJobSpec(
      {
        inputs: path.join(jobs, 'manifest.txt'),
        model: path.join(jobs, 'model.onnx'),
        out: path.join(jobs, 'out'),
      },
      { cores: 2, now: new Date(), cwd: jobs },
    );
    const { outDir, record } = await runJob(spec, { backend: new ScriptedBackend(async () => 'ok') });
    expect(record.resultsOrder).toBe('input');
    const file = path.join(outDir, 'job.spec.json');
    const saved = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
    await writeFile(file, JSON.stringify({ ...saved, jobId: '' }));
    const err = await exportResults(outDir, 'csv', '-').then(
      () => null,
      (e: unknown) => e,
    );
    expect(exitCodeFor(err)).toBe(2);
    expect((err as Error).message).toMatch(`invalid job spec file ${file}: jobId: `);
    expect((err as Error).message).toContain(
      `To go on: restore job.spec.json from a copy, or move it aside (to job.spec.json.damaged)`,
    );
    await rename(file, `${file}.damaged`);
    const done = await exportResults(outDir, 'jsonl', '-');
    expect(done).toMatchObject({ rows: keys.length, order: 'input', notes: [] });
    const exported = (done.text ?? '').trim().split('\n');
    expect(exported.map((line) => (JSON.parse(line) as InputResult).key)).toEqual(keys);
    await rm(jobs, { recursive: true, force: true });
  });

  it('names the bad line of a results file', async () => {
    const bad = await mkdtemp(path.join(os.tmpdir(), 'obifaas-export-bad-'));
    await writeFile(path.join(bad, 'results.jsonl'), `${JSON.stringify(lines[0])}\n{"key": 1}\n`);
    await expect(exportResults(bad, 'csv')).rejects.toThrow(/results\.jsonl:2: key: expected a string/);
    await rm(bad, { recursive: true, force: true });
  });
});
