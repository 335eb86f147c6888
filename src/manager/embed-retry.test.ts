/**
 * `--retry-errors` of an embed job in the job manager, on the scripted in-memory backend
 * (`test/support/`): the inputs whose read failed for a passing reason run again, and the job's
 * `embeddings.parquet` ends with one row per ok input, the kept vectors as they were; a retry
 * stopped after its records were swapped, then resumed, runs only the inputs that had failed.
 */
import { cpSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ScriptedBackend, scriptedVector } from '../../test/support/scripted-backend.js';
import { UNREAD_MODEL_BYTES } from '../../test/support/unread-model.js';
import type { InputResult } from '../core/prediction.js';
import { BackendError } from '../errors.js';
import { compileJobSpec } from '../spec/compile.js';
import { openVectorParquet } from '../util/parquet-read.js';
import { EMBEDDINGS_FILE } from './embeddings-file.js';
import { REOPENED_SPLITS_FILE } from './reopen-errors.js';
import { prepareResume, type ResumeOptions } from './resume.js';
import { runJob } from './run-job.js';
import type { JobOutcome } from './run-job-types.js';

let dir: string;
const keys = Array.from({ length: 12 }, (_, i) => (i === 4 ? `bad${i}.jpg` : `img${i}.jpg`));
/** Inputs whose first read fails for a passing reason: in splits 0 and 2 of 3. */
const throttled = ['img2.jpg', 'img9.jpg'];
const out = (): string => path.join(dir, 'out');

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'obifaas-embed-retry-'));
  await writeFile(path.join(dir, 'manifest.txt'), keys.join('\n'));
  await writeFile(path.join(dir, 'model.onnx'), UNREAD_MODEL_BYTES);
});
afterEach(() => rm(dir, { recursive: true, force: true }));

function spec() {
  return compileJobSpec(
    {
      inputs: path.join(dir, 'manifest.txt'),
      model: path.join(dir, 'model.onnx'),
      workers: 3,
      maxRetries: 0,
      out: out(),
      task: { kind: 'embed' },
    },
    { cores: 2, now: new Date(), cwd: dir },
  );
}

/** A backend that records the keys it is asked for; `passing` keys fail to load. */
function recording(passing: (key: string) => boolean) {
  const asked: string[] = [];
  const backend = new ScriptedBackend(
    async (payload) => {
      asked.push(...payload.splits.flatMap((s) => s.keys));
      return 'ok';
    },
    { passing },
  );
  return { backend, asked };
}

/** Resumes the job with `backend`, as `obifaas run --resume` does. */
async function resume(backend: ScriptedBackend, options: ResumeOptions = {}): Promise<JobOutcome> {
  const prepared = await prepareResume(out(), options);
  if (prepared.kind !== 'resume') throw new Error('expected a job to resume');
  return runJob(prepared.spec, { backend, resume: prepared.state, lock: prepared.lock }).finally(() =>
    prepared.lock.release(),
  );
}

async function lines(): Promise<InputResult[]> {
  const text = await readFile(path.join(out(), 'results.jsonl'), 'utf8');
  return text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as InputResult);
}

/** Every input has one line, and each ok line's row of `embeddings.parquet` holds its vector (one row each). */
async function expectEveryVector(): Promise<void> {
  const results = await lines();
  expect(results.map((l) => l.key)).toEqual(keys);
  const file = await openVectorParquet(path.join(out(), EMBEDDINGS_FILE));
  const rows: Array<{ key: string; vector: number[] }> = [];
  for await (const batch of file.batches())
    batch.keys.forEach((key, j) => rows.push({ key, vector: Array.from(batch.vectors[j] as Float32Array) }));
  const ok = results.filter((l) => l.error === null);
  expect(rows).toHaveLength(ok.length);
  for (const line of ok) {
    expect(rows[line.embedding?.row ?? -1], line.key).toEqual({
      key: line.key,
      vector: Array.from(scriptedVector(line.key)),
    });
  }
  expect(new Set(ok.map((l) => l.embedding?.row)).size).toBe(ok.length);
}

/** The job run once: the throttled inputs end with a passing error. */
async function firstRun(): Promise<void> {
  const { backend } = recording((key) => throttled.includes(key));
  const { record } = await runJob(spec(), { backend });
  expect(record.summary).toMatchObject({ ok: 9, errors: 3 });
  expect((await lines()).filter((l) => l.errorKind === 'passing').map((l) => l.key)).toEqual(throttled);
}

describe('--retry-errors of an embed job', () => {
  it('runs only the inputs with a passing error; every ok input ends with its vector in one row', async () => {
    await firstRun();
    const { backend, asked } = recording(() => false);
    const { record } = await resume(backend, { retryErrors: true });
    expect(asked.sort()).toEqual(throttled);
    expect(record.summary).toMatchObject({ status: 'completed', ok: 11, errors: 1 });
    expect(record.embeddings?.rows).toBe(11);
    await expectVectorsAndCleanFolder();
  });

  it('stopped right after the swap: a plain --resume runs only the inputs that had failed', async () => {
    await firstRun();
    const swapped = await prepareResume(out(), { retryErrors: true });
    await swapped.lock.release(); // the job manager stops before any function runs
    const taken = await readFile(path.join(out(), REOPENED_SPLITS_FILE));
    const { backend, asked } = recording(() => false);
    await resume(backend);
    expect(asked.sort()).toEqual(throttled);
    await expectVectorsAndCleanFolder();

    // Killed after its record, before retry-errors.jsonl was removed: the job is complete.
    await writeFile(path.join(out(), REOPENED_SPLITS_FILE), taken);
    for (const retryErrors of [false, true]) {
      const again = await prepareResume(out(), { retryErrors });
      await again.lock.release();
      expect(again).toMatchObject({ kind: 'complete', summary: { ok: 11, errors: 1 } });
    }
  });

  it('killed after its last retried split, before its record: --resume writes the vectors and the record, running nothing', async () => {
    await firstRun();
    const snapshot = path.join(dir, 'snapshot');
    const prepared = await prepareResume(out(), { retryErrors: true });
    if (prepared.kind !== 'resume') throw new Error('expected a job to resume');
    let written = 0;
    await runJob(prepared.spec, {
      backend: recording(() => false).backend,
      resume: prepared.state,
      lock: prepared.lock,
      // The folder as a kill would leave it once the last split's lines and log line are written.
      onProgress: (event) => {
        if (event.type === 'split-done' && ++written === throttled.length)
          cpSync(out(), snapshot, {
            recursive: true,
            filter: (f) => !path.basename(f).startsWith('job.lock'),
          });
      },
    }).finally(() => prepared.lock.release());
    await rm(out(), { recursive: true });
    await rename(snapshot, out());
    // The old record says the job completed, with the passing errors: it is an earlier run's.
    expect(await readdir(out())).not.toContain(EMBEDDINGS_FILE);

    const { backend, asked } = recording(() => false);
    const { record } = await resume(backend);
    expect(asked).toEqual([]);
    expect(record.summary).toMatchObject({ status: 'completed', ok: 11, errors: 1 });
    await expectVectorsAndCleanFolder();
  });

  it('cancelled after one retried split was written: the resume runs only the other', async () => {
    await firstRun();
    const cancel = new AbortController();
    // Split 2's retry waits until the job is cancelled, which happens once split 0 is written.
    const held = new ScriptedBackend(async (payload, _call, signal) => {
      if (!payload.splits.some((s) => s.keys.includes('img9.jpg'))) return 'ok';
      await new Promise((resolve) => signal?.addEventListener('abort', resolve));
      return new BackendError('cancelled', false);
    });
    const prepared = await prepareResume(out(), { retryErrors: true });
    if (prepared.kind !== 'resume') throw new Error('expected a job to resume');
    const stopped = await runJob(prepared.spec, {
      backend: held,
      resume: prepared.state,
      lock: prepared.lock,
      signal: cancel.signal,
      onProgress: (event) => {
        if (event.type === 'split-done' && event.splitId === '0') cancel.abort();
      },
    }).finally(() => prepared.lock.release());
    expect(stopped.record.status).toBe('cancelled');

    const { backend, asked } = recording(() => false);
    const { record } = await resume(backend);
    expect(asked).toEqual(['img9.jpg']);
    expect(record.summary).toMatchObject({ status: 'completed', ok: 11, errors: 1 });
    await expectVectorsAndCleanFolder();
  });
});

/** The vectors are all there, and the folder holds what a completed embed job's holds. */
async function expectVectorsAndCleanFolder(): Promise<void> {
  await expectEveryVector();
  const files = await readdir(out());
  expect(files).not.toContain(REOPENED_SPLITS_FILE);
  expect(files.filter((f) => f.includes('staging') || f.includes('retry-errors'))).toEqual([]);
}
