/**
 * A dynamic job run by the real CLI whose wall clock jumps an hour forward in the middle of the
 * job: the job manager's `Date.now` is stepped (a preload module moves it on SIGUSR2) once the
 * first split is written. Its timing runs on the steady clock, so no worker is given up as
 * silent, and no invocation is timed or billed the hour.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { completeLines, jobFixture, type JobFixture } from '../support/killed-job.js';
import { expectEveryInputOnce, readRecord, readResults } from '../support/job-output.js';
import { obifaas } from '../support/obifaas-cli.js';

const HOUR_MS = 3_600_000;

/**
 * Loaded by every process of the job (NODE_OPTIONS): on SIGUSR2 its `Date.now` jumps `HOUR_MS`
 * ahead, and it writes `marker`. Only the job manager is sent the signal.
 */
function wallStepModule(marker: string): string {
  return [
    "import { writeFileSync } from 'node:fs';",
    'const realNow = Date.now;',
    'let offsetMs = 0;',
    'Date.now = () => realNow() + offsetMs;',
    "process.on('SIGUSR2', () => {",
    `  offsetMs += ${HOUR_MS};`,
    `  writeFileSync(${JSON.stringify(marker)}, String(process.pid));`,
    '});',
    '',
  ].join('\n');
}

/** Sends the child SIGUSR2 once `out/splits.jsonl` has a line; resolves with the lines it had then. */
function stepAfterFirstSplit(out: string): {
  onSpawn: (child: ChildProcess) => void;
  splitsAtStep: Promise<number>;
} {
  let settle!: (lines: number) => void;
  const splitsAtStep = new Promise<number>((resolve) => (settle = resolve));
  const onSpawn = (child: ChildProcess): void => {
    const timer = setInterval(() => {
      void completeLines(path.join(out, 'splits.jsonl')).then((done) => {
        if (done.length >= 1 && child.exitCode === null && timer.hasRef()) {
          clearInterval(timer);
          timer.unref();
          child.kill('SIGUSR2');
          settle(done.length);
        }
      });
    }, 10);
    child.once('exit', () => {
      clearInterval(timer);
      settle(-1);
    });
  };
  return { onSpawn, splitsAtStep };
}

let fixture: JobFixture;

beforeAll(async () => {
  fixture = await jobFixture('obifaas-wall-step-', 24);
});

afterAll(async () => {
  await rm(fixture.dir, { recursive: true, force: true });
});

it('gives up no worker and bills no invocation the hour when the wall clock jumps forward mid-job', async () => {
  const out = path.join(fixture.dir, 'out');
  const marker = path.join(fixture.dir, 'stepped');
  const preload = path.join(fixture.dir, 'wall-step.mjs');
  await writeFile(preload, wallStepModule(marker));
  const step = stepAfterFirstSplit(out);
  const run = await obifaas(
    [
      'run',
      '--input',
      fixture.dataset.manifestPath,
      '--model',
      'tiny',
      '--mode',
      'dynamic',
      '--split-size',
      '2',
      '--workers',
      '2',
      '--max-concurrency',
      '2',
      '--intra-op-threads',
      '1',
      '--delay-percent',
      '100',
      '--delay-max',
      '500ms',
      '--fault-seed',
      '3',
      '--no-report',
      '--out',
      out,
    ],
    {
      cwd: fixture.dir,
      env: { ...fixture.env, NODE_OPTIONS: `--import=${pathToFileURL(preload).href}` },
      onSpawn: step.onSpawn,
    },
  );
  expect(run.stderr).not.toMatch(/internal error/);
  expect(run.code).toBe(0);
  // The job manager's clock was stepped while splits were still to come.
  expect(await readFile(marker, 'utf8')).toBe(String(run.pid));
  const splitsAtStep = await step.splitsAtStep;
  expect(splitsAtStep).toBeGreaterThanOrEqual(1);
  expect(splitsAtStep).toBeLessThan(12);

  const record = await readRecord(out);
  expect(record.dispatcher?.workersLost).toEqual([]);
  expectEveryInputOnce(await readResults(out), fixture.dataset.keys);
  expect(record.summary.errors).toBe(0);
  for (const invocation of record.invocations) {
    expect(invocation.durationMs).toBeLessThan(HOUR_MS / 2);
    expect(invocation.billedMs).toBeLessThan(HOUR_MS / 2);
    expect(invocation.endedAt - invocation.submittedAt).toBeLessThan(HOUR_MS / 2);
  }
  const run0 = record.runs?.[0];
  expect(Date.parse(run0?.endedAt ?? '') - Date.parse(run0?.startedAt ?? '')).toBeLessThan(HOUR_MS / 2);
});
