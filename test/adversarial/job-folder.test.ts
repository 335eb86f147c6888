/**
 * A killed job's folder against the real CLI (child processes): its resume refuses inputs that
 * changed and finishes the undamaged folder with every input exactly once; a completed job's
 * damaged job.json is refused by every command that reads it; a new job needs a new or empty
 * `--out` folder; and the folder's lock is taken over only from a process that is gone. The
 * damaged records of a resume: job-folder-records.test.ts.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InputResult } from '../../src/core/prediction.js';
import { ownProcessIdentity } from '../../src/util/process-identity.js';
import { expectRefusal } from '../support/cli-refusal.js';
import { expectEveryInputOnce, readRecord, readResults } from '../support/job-output.js';
import { snapshot } from '../support/killed-job.js';
import { obifaasBin } from '../support/obifaas-bin.js';
import {
  copyOf,
  fixture,
  killed,
  removeKilledJob,
  resume,
  startKilledJob,
} from './support/killed-job-folder.js';

beforeAll(startKilledJob);
afterAll(removeKilledJob);

describe('resume of the killed job', () => {
  it('refuses inputs that changed since the job started', async () => {
    const folder = await copyOf(killed);
    const manifest = fixture.dataset.manifestPath;
    const keys = await readFile(manifest, 'utf8');
    try {
      await writeFile(manifest, keys.split('\n').reverse().join('\n'));
      const before = await snapshot(folder);
      expectRefusal(await resume(folder), /cannot resume job .*: its inputs \(.*\) changed since it started/);
      expect(await snapshot(folder)).toEqual(before);
    } finally {
      await writeFile(manifest, keys);
    }
  });

  it('finishes the undamaged folder with every input exactly once', async () => {
    const folder = await copyOf(killed);
    const run = await resume(folder);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ status: 'completed', inputs: 16, ok: 16, runs: 2 });
    expectEveryInputOnce(await readResults(folder), fixture.dataset.keys);
    const record = await readRecord(folder);
    expect(record.status).toBe('completed');
    // The killed run's accounts: its end unknown but when it was last seen, its unfinished
    // invocations billed as estimates, and each run's latency.
    expect(record.runs?.[0]).toMatchObject({ endedAt: null, lastSeenAt: expect.any(String) });
    expect(record.runs?.map((r) => typeof r.latencySeconds)).toEqual(['number', 'number']);
    const estimated = record.invocations.filter((i) => i.estimated === true);
    expect(estimated.length).toBeGreaterThanOrEqual(1);
    expect(record.summary.estimatedInvocations).toBe(estimated.length);
    expect(record.summary.billedSeconds).toBeGreaterThan(record.summary.estimatedBilledSeconds ?? 0);
  });
});

/** A JSON record as a test damages it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Editable = Record<string, any>;

/** `text` matched literally. */
const literally = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe("a completed job's job.json", () => {
  it('is refused when damaged by report, results and --resume: exit 2, one line naming the file and the field', async () => {
    const completed = await copyOf(killed);
    const run = await resume(completed);
    expect(run.code, run.stderr).toBe(0);
    const damages: Array<{ name: string; damage: (record: Editable) => void; field: string }> = [
      { name: 'no summary', damage: (r) => delete r.summary, field: 'summary: missing: expected an object' },
      {
        name: 'a negative count',
        damage: (r) => (r.summary.inputs = -16),
        field: 'summary.inputs: expected an integer >= 0',
      },
      {
        name: 'an end as text',
        damage: (r) => (r.invocations[0].endedAt = 'soon'),
        field: 'invocations[0].endedAt: expected a number',
      },
      {
        name: 'invocations as an object',
        damage: (r) => (r.invocations = {}),
        field: 'invocations: expected a list',
      },
      {
        name: 'a prototype key',
        damage: (r) => (r.splits[0].constructor = {}),
        field: "splits[0].constructor: the key 'constructor' is refused",
      },
    ];
    // Each damage on its own copy; the copies are independent, so they are tried at once.
    await Promise.all(
      damages.map(async ({ name, damage, field }) => {
        const folder = await copyOf(completed);
        const file = path.join(folder, 'job.json');
        const record = JSON.parse(await readFile(file, 'utf8')) as Editable;
        damage(record);
        await writeFile(file, JSON.stringify(record));
        const before = await snapshot(folder);
        const where = new RegExp(`invalid job record ${literally(file)}: ${literally(field)}`);
        for (const args of [
          ['report', folder],
          ['results', folder, '--format', 'csv', '--out', '-'],
          ['run', '--resume', folder, '--json', '--no-report'],
        ]) {
          const refused = await obifaasBin(args, { cwd: fixture.dir, env: fixture.env });
          expectRefusal(refused, where);
          expect(refused.stderr, `${name}: ${args[0]}`).not.toMatch(/internal error|TypeError|Cannot read/);
        }
        expect(await snapshot(folder), `${name}: the folder is left as it was`).toEqual(before);
      }),
    );
  });
});

describe('a new job needs a new or empty --out folder', () => {
  const newJob = (out: string, extra: string[] = []) =>
    obifaasBin(
      [
        'run',
        '--input',
        fixture.dataset.manifestPath,
        '--model',
        'tiny',
        '--no-report',
        '--out',
        out,
        ...extra,
      ],
      { cwd: fixture.dir, env: fixture.env },
    );

  it('refuses /, a folder of other files, a stale splits.jsonl and a file, writing nothing', async () => {
    const stale = path.join(fixture.dir, 'stale');
    await mkdir(stale);
    const staleLine = `${JSON.stringify({ splitId: '0', inputs: 16, ok: 16, errors: 0, workerId: 'w0', attempt: 0, endedAt: 1, error: null })}\n`;
    await writeFile(path.join(stale, 'splits.jsonl'), staleLine);
    // Six refusals of six different folders: one CLI process each, at once.
    const [root, data, staleRun, killedRun, file, forced] = await Promise.all([
      newJob('/'),
      newJob(path.join(fixture.dir, 'data')),
      newJob(stale),
      newJob(killed),
      newJob(fixture.dataset.manifestPath),
      newJob(path.join(fixture.dir, 'x'), ['--force']),
    ]);
    expectRefusal(root, /out: '\/' is not empty \(it holds .*\); a new job needs a new or empty folder/);
    expectRefusal(data, /out: '.*data' is not empty \(it holds images, manifest\.txt\)/);
    expectRefusal(staleRun, /out: '.*stale' is not empty \(it holds splits\.jsonl\)/);
    expect(await snapshot(stale)).toEqual({ 'splits.jsonl': staleLine });
    expectRefusal(killedRun, /out: '.*killed' already holds a job that did not finish .*run --resume/);
    expectRefusal(file, /out: '.*manifest\.txt' is a file, not a folder/);
    expectRefusal(forced, /--force takes a job folder's lock for --resume/);
    // Nothing written into any of them.
    await expect(readFile('/job.lock')).rejects.toThrow();
    await expect(readFile(path.join(fixture.dir, 'data', 'job.spec.json'))).rejects.toThrow();
  });

  it('runs in an empty folder', async () => {
    const empty = path.join(fixture.dir, 'empty');
    await mkdir(empty);
    const run = await newJob(empty, ['--json']);
    expect(run.code, run.stderr).toBe(0);
    const lines: InputResult[] = await readResults(empty);
    expectEveryInputOnce(lines, fixture.dataset.keys);
  });
});

describe("the job folder's lock", () => {
  it('takes over the lock of a dead process, or of a live pid started at another time, and refuses one from another machine unless forced', async () => {
    const lock = (fields: Record<string, unknown>) =>
      `${JSON.stringify({ version: 1, host: os.hostname(), since: '2024-05-01T12:00:00.000Z', token: 'x', ...fields })}\n`;
    // This test's own pid is alive, but not with this start time: a reused pid.
    const reused = await copyOf(killed);
    await writeFile(path.join(reused, 'job.lock'), lock({ pid: process.pid, startTicks: 1 }));
    const taken = await resume(reused);
    if (process.platform === 'linux') {
      expect(taken.code, taken.stderr).toBe(0);
      expectEveryInputOnce(await readResults(reused), fixture.dataset.keys);
    }
    const elsewhere = await copyOf(killed);
    await writeFile(path.join(elsewhere, 'job.lock'), lock({ pid: 4242, host: 'another.example' }));
    const before = await snapshot(elsewhere);
    expectRefusal(
      await resume(elsewhere),
      /--resume: the job in '.*' is running: .*job\.lock is held by process 4242 on another\.example since .*another machine.*give --force if that process is gone/,
    );
    expect(await snapshot(elsewhere)).toEqual(before);
    const forced = await resume(elsewhere, ['--force']);
    expect(forced.code, forced.stderr).toBe(0);
    expectEveryInputOnce(await readResults(elsewhere), fixture.dataset.keys);
  });

  it.runIf(process.platform === 'linux')(
    'refuses even with --force the lock of a process this machine sees running (this test)',
    async () => {
      const me = await ownProcessIdentity();
      const live = await copyOf(killed);
      const lockText = `${JSON.stringify({ version: 1, ...me, since: '2024-05-01T12:00:00.000Z', token: 'x' })}\n`;
      await writeFile(path.join(live, 'job.lock'), lockText);
      const before = await snapshot(live);
      expectRefusal(
        await resume(live, ['--force']),
        new RegExp(
          `--resume: the job in '.*' is running: .*job\\.lock is held by process ${process.pid} .*, so --force does not take its lock`,
        ),
      );
      expect(await snapshot(live)).toEqual(before);
    },
  );
});
