/**
 * Hostile and broken job folders against the real CLI (child processes): a job is killed in the
 * middle of its run, and copies of its folder are damaged or edited the ways an unlucky user,
 * another version or an attacker would. Every `run --resume` of a damaged copy must be refused
 * with exit 2 and one line naming the file, the line and the field, and leave the records as
 * they were (nothing lost, nothing duplicated); the undamaged copy must finish with every input
 * exactly once. Also: `--out` folders a new job must not write into, and the folder's lock.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InputResult } from '../../src/core/prediction.js';
import { expectRefusal } from '../support/cli-refusal.js';
import { expectEveryInputOnce, readRecord, readResults } from '../support/job-output.js';
import { copyFolder, jobFixture, runAndKill, snapshot, type JobFixture } from '../support/killed-job.js';
import { obifaasBin, requireFreshDist } from '../support/obifaas-bin.js';

let fixture: JobFixture;
/** A job of 16 inputs in 4 splits, killed after logging 2 of them. */
let killed: string;
let copies = 0;

beforeAll(async () => {
  await requireFreshDist();
  fixture = await jobFixture('obifaas-adv-folder-', 16);
  killed = path.join(fixture.dir, 'killed');
  const run = await runAndKill(fixture, killed, 4, 2);
  expect(run.signal, run.stderr).toBe('SIGKILL');
});
afterAll(async () => {
  if (fixture) await rm(fixture.dir, { recursive: true, force: true });
});

const resume = (folder: string, extra: string[] = []) =>
  obifaasBin(['run', '--resume', folder, '--json', '--no-report', ...extra], {
    cwd: fixture.dir,
    env: fixture.env,
  });

/** Edits the lines of a JSON-lines file of `folder`. */
async function editLines(folder: string, file: string, edit: (lines: string[]) => string[]): Promise<void> {
  const full = path.join(folder, file);
  const lines = (await readFile(full, 'utf8')).split('\n').filter((l) => l !== '');
  await writeFile(
    full,
    edit(lines)
      .map((l) => `${l}\n`)
      .join(''),
  );
}

/** Edits one JSON line (0-based) of a JSON-lines file. */
const editLine =
  (i: number, edit: (value: Record<string, unknown>) => unknown) =>
  (lines: string[]): string[] =>
    lines.map((l, j) => (j === i ? JSON.stringify(edit(JSON.parse(l) as Record<string, unknown>)) : l));

/** `job.spec.json` as a test edits it. */
interface SpecFile {
  spec: { dispatch: { type: string }; model?: unknown; backend: object; storage?: unknown };
  inputs: { count: number };
}

async function editSpec(folder: string, edit: (value: SpecFile) => void): Promise<void> {
  const file = path.join(folder, 'job.spec.json');
  const value = JSON.parse(await readFile(file, 'utf8')) as SpecFile;
  edit(value);
  await writeFile(file, JSON.stringify(value, null, 2));
}

interface Case {
  name: string;
  damage: (folder: string) => Promise<void>;
  refusal: RegExp;
}

/**
 * The cases of one class: each on its own copy, each refused, each copy's records untouched.
 * The copies are independent, so their resumes run at once (one CLI process each).
 */
async function expectEachRefused(cases: readonly Case[]): Promise<void> {
  await Promise.all(
    cases.map(async (c) => {
      const folder = await copyFolder(killed, path.join(fixture.dir, `copy-${++copies}`));
      await c.damage(folder);
      const before = await snapshot(folder);
      const run = await resume(folder);
      expectRefusal(run, c.refusal);
      expect(run.stderr, c.name).not.toMatch(/internal error|Cannot read properties/);
      expect(await snapshot(folder), `${c.name}: the records are left as they were`).toEqual(before);
    }),
  );
}

describe('resume checks every record against the plan', () => {
  it('refuses split log lines whose counts are not integers that add up', async () => {
    await expectEachRefused([
      {
        name: 'ok 1.5',
        damage: (f) =>
          editLines(
            f,
            'splits.jsonl',
            editLine(0, (l) => ({ ...l, ok: 1.5 })),
          ),
        refusal: /splits\.jsonl:1: ok: expected an integer >= 0, got 1\.5/,
      },
      {
        name: 'ok -8',
        damage: (f) =>
          editLines(
            f,
            'splits.jsonl',
            editLine(0, (l) => ({ ...l, ok: -8 })),
          ),
        refusal: /splits\.jsonl:1: ok: expected an integer >= 0, got -8/,
      },
      {
        name: 'predictions turned into errors',
        damage: (f) =>
          editLines(
            f,
            'splits.jsonl',
            editLine(0, (l) => ({ ...l, ok: 0, errors: 4 })),
          ),
        refusal: /splits\.jsonl:1: ok: expected 4 \(the split's lines with a prediction\), got 0/,
      },
      {
        name: 'counts over the inputs',
        damage: (f) =>
          editLines(
            f,
            'splits.jsonl',
            editLine(0, (l) => ({ ...l, ok: 40 })),
          ),
        refusal: /splits\.jsonl:1: ok \+ errors is more than the inputs of the split/,
      },
      {
        name: 'a split of another size',
        damage: (f) =>
          editLines(
            f,
            'splits.jsonl',
            editLine(0, (l) => ({ ...l, inputs: 3, ok: 3, errors: 0 })),
          ),
        refusal: /splits\.jsonl:1: inputs: expected 4 \(the split's size in the job's plan\), got 3/,
      },
    ]);
  });

  it('refuses fake "done" lines, unknown and duplicate split ids', async () => {
    const logged = (await readFile(path.join(killed, 'splits.jsonl'), 'utf8'))
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => (JSON.parse(l) as { splitId: string }).splitId);
    const first = { splitId: logged[0] as string };
    // A split the killed run had not finished.
    const other = ['0', '1', '2', '3'].find((id) => !logged.includes(id)) as string;
    await expectEachRefused([
      {
        name: "another split claimed done over the first one's lines",
        damage: (f) =>
          editLines(f, 'splits.jsonl', (lines) => [
            JSON.stringify({ ...JSON.parse(lines[0] as string), splitId: other }),
            ...lines.slice(1),
          ]),
        refusal: new RegExp(`results\\.jsonl:1: key: ".*" is not an input of split '${other}'`),
      },
      {
        name: 'every split claimed done',
        damage: (f) =>
          editLines(f, 'splits.jsonl', (lines) => [
            ...lines,
            ...['0', '1', '2', '3']
              .filter((id) => !lines.some((l) => (JSON.parse(l) as { splitId: string }).splitId === id))
              .map((splitId) => JSON.stringify({ ...JSON.parse(lines[0] as string), splitId })),
          ]),
        refusal:
          /results\.jsonl(: has \d+ complete lines, but the splits logged up to .*splits\.jsonl:\d+ own \d+|:\d+: key: .* is not an input)/,
      },
      {
        name: 'a split logged twice',
        damage: (f) => editLines(f, 'splits.jsonl', (lines) => [...lines, lines[0] as string]),
        refusal: new RegExp(
          `splits\\.jsonl:\\d+: splitId: split '${first.splitId}' is logged already, at line 1`,
        ),
      },
      {
        name: 'a split the plan does not have',
        damage: (f) =>
          editLines(f, 'splits.jsonl', (lines) => [
            ...lines,
            JSON.stringify({ ...JSON.parse(lines[0] as string), splitId: '9' }),
          ]),
        refusal: /splits\.jsonl:\d+: splitId: '9' is not a split of the job's plan \(4 splits, ids 0 to 3\)/,
      },
      {
        name: 'an unknown key in a split line',
        damage: (f) =>
          editLines(
            f,
            'splits.jsonl',
            editLine(0, (l) => ({ ...l, okay: 1 })),
          ),
        refusal: /splits\.jsonl:1: okay: unknown key; did you mean 'ok'\?/,
      },
    ]);
  });

  it("refuses result lines that are not the logged splits' inputs, each once", async () => {
    await expectEachRefused([
      {
        name: 'a bogus key',
        damage: (f) =>
          editLines(
            f,
            'results.jsonl',
            editLine(0, (l) => ({ ...l, key: 'bogus.jpg' })),
          ),
        refusal: /results\.jsonl:1: key: "bogus\.jpg" is not an input of split '\d'/,
      },
      {
        name: 'a bogus line added in front',
        damage: (f) =>
          editLines(f, 'results.jsonl', (lines) => [
            JSON.stringify({ key: 'bogus.jpg', top: null, error: 'x' }),
            ...lines,
          ]),
        refusal: /results\.jsonl:1: key: "bogus\.jpg" is not an input of split/,
      },
      {
        name: 'a line twice',
        damage: (f) => editLines(f, 'results.jsonl', (lines) => [lines[0] as string, ...lines.slice(0, -1)]),
        refusal: /results\.jsonl:2: key: ".*" is not an input of split '\d' .* or is there twice/,
      },
      {
        name: 'a prototype key',
        damage: (f) =>
          editLines(f, 'results.jsonl', (lines) => [
            (lines[0] as string).replace(/}$/, ',"__proto__":{"polluted":true}}'),
            ...lines.slice(1),
          ]),
        refusal: /results\.jsonl:1: __proto__: the key '__proto__' is refused at any level/,
      },
      {
        name: 'a result line that is not JSON',
        damage: (f) => editLines(f, 'results.jsonl', (lines) => ['{"key": ', ...lines]),
        refusal: /results\.jsonl:1: not valid JSON/,
      },
      {
        name: 'an invocation ended twice',
        damage: (f) =>
          editLines(f, 'invocations.jsonl', (lines) => {
            const end = lines.find((l) => l.includes('"event":"ended"')) as string;
            return [...lines, end];
          }),
        refusal: /invocations\.jsonl:\d+: workerId: '.*' has ended already, on an earlier line/,
      },
    ]);
  });

  it('validates job.spec.json with the schema of a new job', async () => {
    await expectEachRefused([
      {
        name: 'dispatch.type toString',
        damage: (f) => editSpec(f, (v) => (v.spec.dispatch.type = 'toString')),
        refusal: /job\.spec\.json: spec\.dispatch\.type: expected one of 'static', 'dynamic', got 'toString'/,
      },
      {
        name: 'no model',
        damage: (f) => editSpec(f, (v) => delete v.spec.model),
        refusal: /job\.spec\.json: spec\.model: missing: expected an object/,
      },
      {
        name: 'a prototype key in the spec',
        damage: (f) =>
          editSpec(f, (v) =>
            Object.defineProperty(v.spec.backend, '__proto__', { value: { x: 1 }, enumerable: true }),
          ),
        refusal: /job\.spec\.json: spec\.backend\.__proto__: the key '__proto__' is refused at any level/,
      },
      {
        name: 'a storage type naming a prototype member',
        damage: (f) => editSpec(f, (v) => (v.spec.storage = { type: 'constructor' })),
        refusal: /job\.spec\.json: spec\.storage\.type: expected one of 'fs', 's3', got 'constructor'/,
      },
      {
        name: 'a negative input count',
        damage: (f) => editSpec(f, (v) => (v.inputs.count = -1)),
        refusal: /job\.spec\.json: inputs\.count: expected an integer >= 0, got -1/,
      },
      {
        name: 'not JSON',
        damage: (f) => writeFile(path.join(f, 'job.spec.json'), '{"version": 1,'),
        refusal: /job\.spec\.json: not valid JSON/,
      },
    ]);
  });

  it('refuses inputs that changed since the job started', async () => {
    const folder = await copyFolder(killed, path.join(fixture.dir, `copy-${++copies}`));
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
    const folder = await copyFolder(killed, path.join(fixture.dir, `copy-${++copies}`));
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
    const completed = await copyFolder(killed, path.join(fixture.dir, `copy-${++copies}`));
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
        const folder = await copyFolder(completed, path.join(fixture.dir, `copy-${++copies}`));
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
    const reused = await copyFolder(killed, path.join(fixture.dir, `copy-${++copies}`));
    await writeFile(path.join(reused, 'job.lock'), lock({ pid: process.pid, startTicks: 1 }));
    const taken = await resume(reused);
    if (process.platform === 'linux') {
      expect(taken.code, taken.stderr).toBe(0);
      expectEveryInputOnce(await readResults(reused), fixture.dataset.keys);
    }
    const elsewhere = await copyFolder(killed, path.join(fixture.dir, `copy-${++copies}`));
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
});
