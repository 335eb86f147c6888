/**
 * `obifaas run --resume DIR` as a user runs it: the CLI in a child process is killed (SIGKILL)
 * halfway through a job; resuming finishes it in the same folder. Only the splits without
 * results run again (counted from splits.jsonl), every input ends with exactly one line, and the
 * results equal an uninterrupted run's. Also: the clear answers for folders that cannot be resumed.
 */
import type { ChildProcess } from 'node:child_process';
import { appendFile, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { readVectorRows, readVectorsByKey } from '../support/parquet.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalBackend } from '../../src/backends/local/local-backend.js';
import { generateDataset, type GeneratedDataset } from '../../src/dataset/generate.js';
import type { SplitLogLine } from '../../src/manager/result-sink.js';
import { runJob } from '../../src/manager/run-job.js';
import { ensureBuiltinModel } from '../../src/models/cache.js';
import { compileJobSpec } from '../../src/spec/compile.js';
import type { InputResult } from '../../src/core/prediction.js';
import {
  expectEveryInputOnce,
  readRecord,
  readResults,
  readSplitLog,
  sortedLines,
} from '../support/job-output.js';
import { obifaas, type CliRun } from '../support/obifaas-cli.js';

let dir: string;
let dataset: GeneratedDataset;
let env: NodeJS.ProcessEnv;
/** The results of the same inputs, run without interruption. */
let reference: InputResult[];

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'obifaas-resume-'));
  const home = path.join(dir, 'home');
  env = { OBIFAAS_HOME: home };
  const model = await ensureBuiltinModel('tiny', { home });
  dataset = await generateDataset({ count: 36, outDir: path.join(dir, 'data'), seed: 21 });
  const out = path.join(dir, 'reference');
  const spec = compileJobSpec(
    { inputs: dataset.manifestPath, model, workers: 2, out, pipeline: { predict: { intraOpThreads: 1 } } },
    { cores: 2, now: new Date(), cwd: dir },
  );
  const backend = new LocalBackend({ maxConcurrency: 2, log: { write: () => true } });
  try {
    await runJob(spec, { backend });
  } finally {
    await backend.close();
  }
  reference = await readResults(out);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The complete lines of a JSON-lines file that may end with a line cut short. */
async function completeLines<T>(file: string): Promise<T[]> {
  const text = await readFile(file, 'utf8').catch(() => '');
  const lines = text.split('\n');
  lines.pop(); // after the last newline: empty, or a partial line
  return lines.map((l) => JSON.parse(l) as T);
}

/** SIGKILLs the CLI once `splits.jsonl` has `lines` lines. */
function killAfterSplits(out: string, lines: number): (child: ChildProcess) => void {
  return (child) => {
    const timer = setInterval(() => {
      void completeLines<SplitLogLine>(path.join(out, 'splits.jsonl')).then((done) => {
        if (done.length >= lines && child.exitCode === null) {
          clearInterval(timer);
          child.kill('SIGKILL');
        }
      });
    }, 20);
    child.once('exit', () => clearInterval(timer));
  };
}

const jobArgs = (out: string, extra: string[]): string[] => [
  'run',
  '--input',
  dataset.manifestPath,
  '--model',
  'tiny',
  '--intra-op-threads',
  '1',
  '--max-concurrency',
  '2',
  '--delay-percent',
  '100',
  '--delay-max',
  '1s',
  '--fault-seed',
  '4',
  '--out',
  out,
  ...extra,
];

/** Kills a job halfway, resumes it, and checks what both runs did; returns the resumed run. */
async function killAndResume(out: string, extra: string[], killAt: number, totalSplits: number) {
  const first = await obifaas(jobArgs(out, extra), { cwd: dir, env, onSpawn: killAfterSplits(out, killAt) });
  expect(first.signal, first.stderr).toBe('SIGKILL');
  const before = await completeLines<SplitLogLine>(path.join(out, 'splits.jsonl'));
  expect(before.length).toBeGreaterThanOrEqual(killAt);
  expect(before.length).toBeLessThan(totalSplits);
  return { before, resumed: await obifaas(['run', '--resume', out, '--json'], { cwd: dir, env }) };
}

async function expectFinishedOnce(out: string, resumed: CliRun, before: SplitLogLine[], totalSplits: number) {
  expect(resumed.code, resumed.stderr).toBe(0);
  expect(resumed.stderr).toMatch(
    new RegExp(
      `resuming job .*: ${before.length} of ${totalSplits} splits done, running ${totalSplits - before.length}`,
    ),
  );
  expect(JSON.parse(resumed.stdout)).toMatchObject({
    status: 'completed',
    inputs: 36,
    errors: 0,
    resumed: true,
  });

  const lines = await readResults(out);
  expectEveryInputOnce(lines, dataset.keys);
  expect(sortedLines(lines)).toEqual(sortedLines(reference));
  // Completed by the resume: in input order now.
  expect(lines.map((l) => l.key)).toEqual(dataset.keys);

  // No split was logged twice: the resumed run ran exactly the splits the first had not logged.
  const log = await readSplitLog(out);
  expect(log).toHaveLength(totalSplits);
  expect(new Set(log.map((l) => l.splitId)).size).toBe(totalSplits);
  expect(log.slice(0, before.length)).toEqual(before);
  expect(
    log
      .filter((l) => l.run === 1)
      .map((l) => l.splitId)
      .sort(),
  ).toEqual(
    log
      .filter((l) => !before.some((b) => b.splitId === l.splitId))
      .map((l) => l.splitId)
      .sort(),
  );

  const record = await readRecord(out);
  expect(record.status).toBe('completed');
  expect(record.runs).toHaveLength(2);
  expect(record.runs?.[0]).toMatchObject({
    run: 0,
    endedAt: null,
    splitsToRun: totalSplits,
    splitsAlreadyDone: 0,
  });
  expect(record.runs?.[1]).toMatchObject({
    run: 1,
    splitsToRun: totalSplits - before.length,
    splitsAlreadyDone: before.length,
    workerIdPrefix: 'r1.',
  });
  // The summary tells the resumed run's invocations from the earlier run's.
  const earlier = record.invocations.filter((i) => !i.workerId.startsWith('r1.')).length;
  expect(record.summary).toMatchObject({ runs: 2, invocations: record.invocations.length });
  expect(record.summary.invocationsInEarlierRuns).toBe(earlier);
  expect(record.summary.workers).toBeLessThanOrEqual(totalSplits - before.length);
  expect(record.splits).toHaveLength(totalSplits);
  expect(
    record.splits
      .filter((s) => s.run === 0)
      .map((s) => s.splitId)
      .sort(),
  ).toEqual(before.map((b) => b.splitId).sort());
  for (const split of record.splits) {
    expect(split.status).toBe('done');
    expect(split.attempts.length).toBeGreaterThan(0);
    expect(split.workerId?.startsWith('r1.')).toBe(split.run === 1);
  }
  return record;
}

describe('obifaas run --resume', () => {
  it('finishes a dynamic job whose job manager was killed halfway', async () => {
    const out = path.join(dir, 'dynamic');
    const { before, resumed } = await killAndResume(
      out,
      ['--mode', 'dynamic', '--split-size', '3', '--workers', '2'],
      4,
      12,
    );
    const record = await expectFinishedOnce(out, resumed, before, 12);
    expect(record.summary.mode).toBe('dynamic');
    // Functions of the resumed run carry its prefix; the killed run's unfinished ones are estimated.
    const ownIds = record.invocations.filter((i) => i.estimated !== true).map((i) => i.workerId);
    expect(ownIds.length).toBeGreaterThan(0);
    expect(ownIds.every((id) => id.startsWith('r1.'))).toBe(true);

    const again = await obifaas(['run', '--resume', out], { cwd: dir, env });
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/job .* is already complete \(36 inputs, 12 splits\): nothing to resume/);
  });

  it('finishes a static job, dropping a result line cut short by the crash', async () => {
    const out = path.join(dir, 'static');
    const first = await obifaas(jobArgs(out, ['--workers', '6']), {
      cwd: dir,
      env,
      onSpawn: killAfterSplits(out, 2),
    });
    expect(first.signal, first.stderr).toBe('SIGKILL');
    await appendFile(path.join(out, 'results.jsonl'), '{"key":"images/000');
    const before = await completeLines<SplitLogLine>(path.join(out, 'splits.jsonl'));
    expect(before.length).toBeGreaterThanOrEqual(2);
    expect(before.length).toBeLessThan(6);
    const resumed = await obifaas(['run', '--resume', out, '--json'], { cwd: dir, env });
    const record = await expectFinishedOnce(out, resumed, before, 6);
    expect(record.summary.mode).toBe('static');
    // The plan minus the finished splits: one invocation for each split left, no more.
    const resumedInvocations = record.invocations.filter((i) => i.workerId.startsWith('r1.'));
    expect(resumedInvocations.map((i) => i.splitIds[0]).sort()).toEqual(
      record.splits
        .filter((s) => s.run === 1)
        .map((s) => s.splitId)
        .sort(),
    );
    expect(resumedInvocations).toHaveLength(6 - before.length);
    expect(record.functions).toMatchObject({ intraOpThreads: 1, threadsFrom: 'spec' });
  });

  it('finishes an embed job killed halfway, every vector kept exactly once', async () => {
    const embed = [
      '--task',
      'embed',
      '--normalize',
      '--mode',
      'dynamic',
      '--split-size',
      '3',
      '--workers',
      '2',
    ];
    const referenceOut = path.join(dir, 'embed-reference');
    const spec = compileJobSpec(
      {
        inputs: dataset.manifestPath,
        model: path.join(dir, 'home', 'models', 'tiny-r1-seed0.onnx'),
        task: { kind: 'embed', normalize: true },
        workers: 2,
        out: referenceOut,
        pipeline: { predict: { intraOpThreads: 1 } },
      },
      { cores: 2, now: new Date(), cwd: dir },
    );
    const backend = new LocalBackend({ maxConcurrency: 2, log: { write: () => true } });
    try {
      await runJob(spec, { backend });
    } finally {
      await backend.close();
    }
    const out = path.join(dir, 'embed');
    const { before, resumed } = await killAndResume(out, embed, 4, 12);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(JSON.parse(resumed.stdout)).toMatchObject({
      status: 'completed',
      ok: 36,
      resumed: true,
      embeddings: { rows: 36, dims: 1000 },
    });
    expect(before.length).toBeLessThan(12);
    const lines = await readResults(out);
    expect(lines.map((l) => l.key)).toEqual(dataset.keys);
    const rows = await readVectorRows(out);
    expect(rows.map((r) => r.key).sort()).toEqual([...dataset.keys].sort());
    for (const line of lines) expect(rows[line.embedding?.row ?? -1]?.key).toBe(line.key);
    const expected = await readVectorsByKey(referenceOut);
    for (const row of rows) {
      const want = expected.get(row.key) ?? [];
      expect(Math.max(...row.vector.map((v, i) => Math.abs(v - (want[i] as number))))).toBeLessThanOrEqual(
        1e-6,
      );
    }
    await expect(stat(path.join(out, 'embeddings.staging.jsonl'))).rejects.toThrow();
  });

  it('says clearly why a folder cannot be resumed', async () => {
    const missing = await obifaas(['run', '--resume', 'nowhere'], { cwd: dir, env });
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim()).toMatch(/^obifaas: --resume: '.*nowhere' does not exist$/);

    const notJob = await obifaas(['run', '--resume', 'data'], { cwd: dir, env });
    expect(notJob.code).toBe(2);
    expect(notJob.stderr.trim()).toMatch(
      /^obifaas: --resume: '.*data' is not a job folder \(no job\.spec\.json/,
    );

    const withFlags = await obifaas(['run', '--resume', 'reference', '--workers', '3'], { cwd: dir, env });
    expect(withFlags.code).toBe(2);
    expect(withFlags.stderr.trim()).toMatch(/settings saved in its folder; leave out --workers$/);
    for (const run of [missing, notJob, withFlags]) expect(run.stderr).not.toMatch(/\n\s+at /);
  });
});
