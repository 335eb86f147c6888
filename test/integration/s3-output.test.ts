/**
 * `obifaas run --out s3://...` as a user runs it (the CLI in a child process) against a real
 * S3-protocol server (s3rver, `test/support/s3-output.ts`): every file of the job folder ends up
 * as an object (an embed job's `embeddings.parquet` too) and `results.jsonl` holds every input
 * exactly once. An upload cut short: s3-output-resume.test.ts; other commands:
 * s3-output-commands.test.ts.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InputResult } from '../../src/core/prediction.js';
import type { JobRecord } from '../../src/manager/types.js';
import { expectEveryInputOnce } from '../support/job-output.js';
import { obifaas } from '../support/obifaas-cli.js';
import {
  dataset,
  dir,
  env,
  expectUploadedJob,
  home,
  job,
  JOB_FILES,
  keysUnder,
  linesOf,
  objectText,
  putsUnder,
  results,
  runArgs,
  startS3Output,
  stopS3Output,
} from '../support/s3-output.js';

beforeAll(startS3Output);
afterAll(stopS3Output);

describe('obifaas run --out s3://', () => {
  it('uploads every file of the job, with inputs read from S3 too, and removes its default staging folder', async () => {
    const run = await obifaas(
      [...job('happy').map((a) => (a === dataset.manifestPath ? 's3://data/sets/small/manifest.txt' : a))],
      { cwd: dir, env },
    );
    expect(run.code, run.stderr).toBe(0);
    const summary = JSON.parse(run.stdout) as Record<string, unknown>;
    expect(summary).toMatchObject({
      status: 'completed',
      inputs: 24,
      errors: 0,
      out: 's3://results/happy',
      upload: { status: 'uploaded', to: 's3://results/happy', files: JOB_FILES.length, staging: null },
    });
    // job.spec.json went up when the job started, and was not sent again.
    expect(putsUnder('happy').sort()).toEqual([...JOB_FILES].sort());
    expect(putsUnder('happy').at(-1)).toBe('job.json');
    const record = await expectUploadedJob(
      'happy',
      1,
      dataset.keys.map((k) => `sets/small/${k}`),
    );
    expect(record.inputs.location).toBe('s3://data/sets/small/manifest.txt');
    expect(await readdir(path.join(home, 'staging'))).toEqual([]);

    // The prefix now holds a completed job: a new job there is refused (not pointed at a resume
    // with nothing to do); --resume finds it complete.
    const again = await obifaas(job('happy'), { cwd: dir, env });
    expect(again.code).toBe(2);
    expect(again.stderr.trim()).toBe(
      'obifaas: out: s3://results/happy already holds a completed job (its job.json); choose another prefix (one per run)',
    );
    const resumed = await obifaas(['run', '--resume', 's3://results/happy'], { cwd: dir, env });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(
      /staging folder .* was missing: restored 7 files from s3:\/\/results\/happy/,
    );
    expect(resumed.stdout).toMatch(
      /is already complete and uploaded to s3:\/\/results\/happy: nothing to resume/,
    );
  });

  it("uploads an embed job's embeddings.parquet, whose rows are the vectors its result lines point to", async () => {
    const run = await obifaas([...job('embed'), '--task', 'embed'], { cwd: dir, env });
    expect(run.code, run.stderr).toBe(0);
    const files = [...JOB_FILES, 'embeddings.parquet'].sort();
    expect(JSON.parse(run.stdout)).toMatchObject({
      status: 'completed',
      ok: 24,
      upload: { status: 'uploaded', files: files.length, staging: null },
    });
    // The vectors' staging file is gone before the upload: only the finished files go up.
    expect(await keysUnder('embed')).toEqual(files);
    expect(putsUnder('embed').at(-1)).toBe('job.json');
    const lines = linesOf<InputResult>(await objectText('embed', 'results.jsonl'));
    expectEveryInputOnce(lines, dataset.keys);
    const record = JSON.parse(await objectText('embed', 'job.json')) as JobRecord;
    expect(record.embeddings).toMatchObject({ rows: 24, dims: 1000 });

    const parquet = path.join(dir, 'embed-downloaded.parquet');
    await writeFile(parquet, await results.get('embed/embeddings.parquet'));
    const db = await DuckDBInstance.create(':memory:');
    const connection = await db.connect();
    try {
      const reader = await connection.runAndReadAll(
        `SELECT key, CAST(len(vector) AS INTEGER) AS dims FROM read_parquet('${parquet.replace(/'/g, "''")}')`,
      );
      const rows = reader.getRowObjectsJson() as unknown as Array<{ key: string; dims: number }>;
      expect(rows).toHaveLength(24);
      for (const line of lines) {
        expect(line.embedding?.dims, line.key).toBe(1000);
        expect(rows[line.embedding?.row ?? -1], line.key).toEqual({ key: line.key, dims: 1000 });
      }
    } finally {
      connection.closeSync();
    }
  });

  it('leaves no staging folder behind when the job is refused before it starts (exit 2)', async () => {
    const [first] = dataset.keys;
    await results.put('refused/manifest.txt', `${first}\n${first}\n`);
    const refused = await obifaas(
      job('refused-job').map((a) => (a === dataset.manifestPath ? 's3://results/refused/manifest.txt' : a)),
      { cwd: dir, env },
    );
    expect(refused.code, refused.stderr).toBe(2);
    expect(refused.stderr).toMatch(/duplicate key/);
    expect(await keysUnder('refused-job')).toEqual([]);
    expect(await readdir(path.join(home, 'staging'))).toEqual([]);
  });

  it('a function reading its 24 inputs from S3 at once writes no listener warning to workers.log', async () => {
    const out = path.join(dir, 'one-worker');
    const run = await obifaas(
      runArgs(out, [], 1).map((a) => (a === dataset.manifestPath ? 's3://data/sets/small/manifest.txt' : a)),
      { cwd: dir, env },
    );
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ status: 'completed', ok: 24, invocations: 1 });
    const log = await readFile(path.join(out, 'workers.log'), 'utf8');
    expect(log).not.toMatch(/MaxListenersExceededWarning|memory leak/);
  });
});
