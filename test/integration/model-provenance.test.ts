/**
 * Which model a job ran, with real parts (local function processes, the tiny model): job.json
 * and job.spec.json keep the SHA-256 of the model file (equal to `sha256sum`'s), and the
 * function hashes it and its labels once per warm process (the invocation records' `modelDigest`
 * and `labelsDigest` say `hashed`, then `kept`); a model replaced mid-job gives every later input
 * an error line saying so, each input exactly one line, and so does a labels file replaced
 * mid-job; `--resume` refuses a model replaced since the job started (exit 2, one line, the
 * folder left as it was) and resumes it once the model is back; a folder from before digests
 * were kept resumes, saying its model could not be checked.
 */
import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalBackend } from '../../src/backends/local/local-backend.js';
import { generateDataset, type GeneratedDataset } from '../../src/dataset/generate.js';
import type { JobEvent } from '../../src/manager/job-events.js';
import { runJob } from '../../src/manager/run-job.js';
import type { RunJobDeps } from '../../src/manager/run-job-types.js';
import { ensureBuiltinModel } from '../../src/models/cache.js';
import { buildTiny } from '../../src/models/tiny.js';
import { compileJobSpec } from '../../src/spec/compile.js';
import { expectEveryInputOnce, readRecord, readResults } from '../support/job-output.js';
import { obifaas } from '../support/obifaas-cli.js';

let dir: string;
let env: NodeJS.ProcessEnv;
let dataset: GeneratedDataset;
/** The model file the jobs run, replaced and put back by the tests. */
let modelFile: string;
let original: Buffer;
/** Another model of the same contract (other weights). */
const other = Buffer.from(buildTiny({ seed: 1 }).bytes);

const sha256sum = async (file: string): Promise<string> =>
  (await promisify(execFile)('sha256sum', [file])).stdout.split(' ')[0]!;

/** The tiny model's 1000 class names, under a prefix. */
const classNames = (prefix: string): Buffer =>
  Buffer.from(Array.from({ length: 1000 }, (_, i) => `${prefix}${i}`).join('\n'));
/** The labels file of the job with labels, replaced by a test. */
let labelsFile: string;

/** Replaces `file` at once (a new file renamed over it), as a re-export does. */
function replaceSync(file: string, bytes: Buffer): void {
  writeFileSync(`${file}.new`, bytes);
  renameSync(`${file}.new`, file);
}

/** Replaces the model file at once. */
function replaceModelSync(bytes: Buffer): void {
  replaceSync(modelFile, bytes);
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'obifaas-provenance-'));
  const home = path.join(dir, 'home');
  env = { OBIFAAS_HOME: home };
  modelFile = path.join(dir, 'model.onnx');
  await copyFile(await ensureBuiltinModel('tiny', { home }), modelFile);
  original = await readFile(modelFile);
  labelsFile = path.join(dir, 'labels.txt');
  await writeFile(labelsFile, classNames('class-'));
  dataset = await generateDataset({ count: 16, outDir: path.join(dir, 'data'), seed: 5 });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs a job of 4 splits of 4 inputs (static unless `options` say), one invocation at a time, in `out`. */
async function job(
  out: string,
  deps: Partial<RunJobDeps> = {},
  options: { mode?: 'dynamic'; workers?: number; labels?: string } = {},
) {
  const spec = compileJobSpec(
    {
      inputs: dataset.manifestPath,
      model: modelFile,
      out,
      splitSize: 4,
      pipeline: { predict: { intraOpThreads: 1 } },
      ...options,
    },
    { cores: 2, now: new Date(), cwd: dir },
  );
  const backend = new LocalBackend({ maxConcurrency: 1, log: { write: () => true } });
  try {
    return await runJob(spec, { backend, ...deps });
  } finally {
    await backend.close();
  }
}

/** A listener that calls `act` once, at the job's first finished split. */
function atFirstSplit(act: () => void): (event: JobEvent) => void {
  let done = false;
  return (event) => {
    if (event.type !== 'split-done' || done) return;
    done = true;
    act();
  };
}

/**
 * The error lines of a job of 4-input splits whose file was swapped at its first finished split:
 * the first split ran with the file the job started with, at least the last after the swap, and
 * every input of a split after it has an error line saying `message`.
 */
function expectSplitsAfterSwapRefused<L extends { error: string | null }>(lines: L[], message: string): L[] {
  const errors = lines.filter((l) => l.error !== null);
  expect(errors.length).toBeGreaterThanOrEqual(4);
  expect(lines.length - errors.length).toBeGreaterThanOrEqual(4);
  expect(errors.length % 4).toBe(0);
  for (const line of errors) expect(line.error).toContain(message);
  return errors;
}

/** Every file of a folder and its bytes. */
async function snapshot(folder: string): Promise<Record<string, string>> {
  const names = (await readdir(folder)).sort();
  const entries = await Promise.all(
    names.map(async (n) => [n, (await readFile(path.join(folder, n))).toString('base64')] as const),
  );
  return Object.fromEntries(entries);
}

describe('the model a job ran', () => {
  it('is recorded as sha256sum reads it, and a warm function hashes it and its labels once', async () => {
    const out = path.join(dir, 'recorded');
    const { record, summary } = await job(out, {}, { labels: labelsFile });
    expect(record.status).toBe('completed');
    const digest = await sha256sum(modelFile);
    expect(record.model).toMatchObject({ sha256: digest, bytes: (await stat(modelFile)).size });
    expect(summary.modelSha256).toBe(digest);
    const specFile = JSON.parse(await readFile(path.join(out, 'job.spec.json'), 'utf8')) as {
      model: { sha256: string };
    };
    expect(specFile.model.sha256).toBe(digest);
    const invocations = [...record.invocations].sort((a, b) => a.submittedAt - b.submittedAt);
    expect(invocations).toHaveLength(4);
    // One function process ran them all: it hashed the model for the first and kept the digest.
    expect(new Set(invocations.map((i) => i.pid)).size).toBe(1);
    expect(invocations.map((i) => i.timings?.modelDigest)).toEqual(['hashed', 'kept', 'kept', 'kept']);
    expect(invocations.map((i) => i.timings?.labelsDigest)).toEqual(['hashed', 'kept', 'kept', 'kept']);
  });

  it('gives every input after the model was replaced mid-job an error line, each input one line', async () => {
    const out = path.join(dir, 'replaced');
    const { record, summary } = await job(out, { onProgress: atFirstSplit(() => replaceModelSync(other)) });
    replaceModelSync(original);
    const lines = await readResults(out);
    expectEveryInputOnce(lines, dataset.keys);
    const [was, now] = [await sha256sum(modelFile), await shaOf(other)];
    const errors = expectSplitsAfterSwapRefused(
      lines,
      `changed since the job started: sha256 ${was.slice(0, 12)} expected, ${now.slice(0, 12)} found`,
    );
    expect(record.status).toBe('failed');
    expect(summary.ok + summary.errors).toBe(dataset.keys.length);
    expect(summary.errors).toBe(errors.length);
    expect(record.model.sha256).toBe(was);
  });

  it('gives every input after the labels file was replaced mid-job an error line naming both digests, each input one line', async () => {
    const out = path.join(dir, 'relabelled');
    const [was, now] = [classNames('class-'), classNames('other-')];
    const { record, summary } = await job(
      out,
      { onProgress: atFirstSplit(() => replaceSync(labelsFile, now)) },
      { labels: labelsFile },
    );
    replaceSync(labelsFile, was);
    const lines = await readResults(out);
    expectEveryInputOnce(lines, dataset.keys);
    const [wasSha, nowSha] = [await shaOf(was, 'labels'), await shaOf(now, 'labels')];
    expect(record.model).toMatchObject({ labelsSha256: wasSha });
    const errors = expectSplitsAfterSwapRefused(
      lines,
      `labels ${labelsFile} changed since the job started: sha256 ${wasSha.slice(0, 12)} expected, ${nowSha.slice(0, 12)} found`,
    );
    // No result carries a label of the file swapped in.
    expect(JSON.stringify(lines)).not.toContain('other-');
    expect(record.status).toBe('failed');
    expect(summary.ok + summary.errors).toBe(dataset.keys.length);
    expect(summary.errors).toBe(errors.length);
  });

  it('gives every input of a dynamic job an error line when the model was replaced before its workers started', async () => {
    const out = path.join(dir, 'dynamic');
    const replace = (event: JobEvent): void => {
      if (event.type === 'job-started') replaceModelSync(other);
    };
    const { record, summary } = await job(out, { onProgress: replace }, { mode: 'dynamic', workers: 2 });
    replaceModelSync(original);
    const lines = await readResults(out);
    expectEveryInputOnce(lines, dataset.keys);
    const [was, now] = [await sha256sum(modelFile), await shaOf(other)];
    for (const line of lines)
      expect(line.error).toContain(
        `changed since the job started: sha256 ${was.slice(0, 12)} expected, ${now.slice(0, 12)} found`,
      );
    expect(summary).toMatchObject({ status: 'failed', mode: 'dynamic', ok: 0, errors: dataset.keys.length });
    // Not retried: the job stopped at the first refusal.
    expect(record.invocations.filter((i) => i.reason === 'retry')).toEqual([]);
  });

  it('refuses to resume a job whose model was replaced, writing nothing, and resumes it once the model is back', async () => {
    const out = path.join(dir, 'resumed');
    const stop = new AbortController();
    const first = await job(out, { signal: stop.signal, onProgress: atFirstSplit(() => stop.abort()) });
    expect(first.record.status).toBe('cancelled');
    const before = await snapshot(out);
    const [was, now] = [await sha256sum(modelFile), await shaOf(other)];
    await writeFile(`${modelFile}.new`, other);
    await rename(`${modelFile}.new`, modelFile);
    const refused = await obifaas(['run', '--resume', out], { cwd: dir, env });
    expect(refused.code).toBe(2);
    expect(refused.stderr.trim()).toMatch(
      new RegExp(
        `^obifaas: cannot resume job \\S+: its model ${modelFile.replace(/[.]/g, '\\.')} changed since the job started \\(sha256 ${was.slice(0, 12)} then, ${now.slice(0, 12)} now\\); [^\\n]*$`,
      ),
    );
    expect(await snapshot(out)).toEqual(before);

    await writeFile(modelFile, original);
    const resumed = await obifaas(['run', '--resume', out], { cwd: dir, env });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).not.toContain('could not be checked');
    expectEveryInputOnce(await readResults(out), dataset.keys);
    const record = await readRecord(out);
    expect(record).toMatchObject({ status: 'completed', model: { sha256: was } });
  });

  it('resumes a folder from before digests were kept, saying its model could not be checked', async () => {
    const out = path.join(dir, 'older');
    const stop = new AbortController();
    await job(out, { signal: stop.signal, onProgress: atFirstSplit(() => stop.abort()) });
    // As an earlier version wrote them: no digests in job.spec.json, job.json or its summary.
    const specPath = path.join(out, 'job.spec.json');
    const specFile = JSON.parse(await readFile(specPath, 'utf8')) as Record<string, unknown>;
    delete specFile.model;
    await writeFile(specPath, JSON.stringify(specFile));
    const recordPath = path.join(out, 'job.json');
    const older = JSON.parse(await readFile(recordPath, 'utf8')) as {
      model: Record<string, unknown>;
      summary: Record<string, unknown>;
    };
    delete older.model.sha256;
    delete older.model.bytes;
    delete older.summary.modelSha256;
    await writeFile(recordPath, JSON.stringify(older));

    const resumed = await obifaas(['run', '--resume', out], { cwd: dir, env });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain(
      'its model could not be checked: job.spec.json records no digest of it (a job started by an earlier version)',
    );
    expectEveryInputOnce(await readResults(out), dataset.keys);
    const record = await readRecord(out);
    expect(record.status).toBe('completed');
    // What its first run loaded is not known: no digest is claimed for the job.
    expect(record.model.sha256).toBeUndefined();
  });
});

async function shaOf(bytes: Buffer, name = 'other.onnx'): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, bytes);
  return sha256sum(file);
}
