/**
 * `obifaas run --resume DIR --retry-errors` on a hostile copy of a complete job whose inputs got
 * passing errors: a swap marker or new records that are not regular files (a folder, a FIFO, a
 * symbolic link out of the folder), forged `errorKind`s, a split the plan does not have, a
 * records file cut mid-line. Each is refused in one line naming the file (exit 2), changing
 * nothing, and nothing outside the folder is read or written; a forged marker alone finishes
 * the retry with one line per input. The function is a loopback HTTP function that answers
 * every other input's first try with a passing error.
 */
import { cp, lstat, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDataset, type GeneratedDataset } from '../../src/dataset/generate.js';
import { expectRefusal } from '../support/cli-refusal.js';
import { expectEveryInputOnce, readResults } from '../support/job-output.js';
import { obifaas } from '../support/obifaas-cli.js';
import {
  predicted,
  slowDown,
  startErrorKindFunction,
  type ErrorKindFunction,
} from './support/error-kind-function.js';

let dir: string;
let dataset: GeneratedDataset;
let fn: ErrorKindFunction;
/** A complete job with 4 passing errors. */
let complete: string;
let outside: string;
const OUTSIDE_TEXT = 'outside the job folder\n';

const env = (): NodeJS.ProcessEnv => ({ OBIFAAS_HOME: path.join(dir, 'home') });

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'obifaas-retry-errors-'));
  dataset = await generateDataset({ count: 8, outDir: path.join(dir, 'data'), seed: 2 });
  outside = path.join(dir, 'outside.jsonl');
  await writeFile(outside, OUTSIDE_TEXT);
  fn = await startErrorKindFunction();
  fn.answer = (key, _i, tries) =>
    tries === 1 && dataset.keys.indexOf(key) % 2 === 1 ? slowDown(key) : predicted(key);
  complete = path.join(dir, 'complete');
  const args = fn.runArgs(dataset.manifestPath);
  const run = await obifaas([...args, '--split-size', '4', '--max-retries', '0', '--out', complete], {
    cwd: dir,
    env: env(),
  });
  expect(run.code, run.stderr).toBe(0);
  expect((await readResults(complete)).filter((l) => l.errorKind === 'passing')).toHaveLength(4);
});

afterAll(async () => {
  await fn.close();
  await rm(dir, { recursive: true, force: true });
});

/** A copy of the complete job, changed by `damage` (given the copy's folder). */
async function damaged(name: string, damage: (folder: string) => Promise<unknown>): Promise<string> {
  const folder = path.join(dir, name);
  await cp(complete, folder, { recursive: true });
  await damage(folder);
  return folder;
}

/** The folder's entries: a regular file's text, or what else the entry is. */
async function snapshot(folder: string): Promise<Record<string, string>> {
  const entries: Record<string, string> = {};
  for (const name of (await readdir(folder)).sort()) {
    const info = await lstat(path.join(folder, name));
    entries[name] = info.isFile() ? await readFile(path.join(folder, name), 'utf8') : `mode ${info.mode}`;
  }
  return entries;
}

const retryErrors = (folder: string) =>
  obifaas(['run', '--resume', folder, '--retry-errors'], { cwd: dir, env: env() });

const editLines = async (file: string, edit: (lines: string[]) => string[]): Promise<void> => {
  const lines = (await readFile(file, 'utf8')).split('\n').filter(Boolean);
  await writeFile(file, `${edit(lines).join('\n')}\n`);
};

describe('the swap of --retry-errors in a hostile folder', () => {
  const notFiles: Array<[string, string, (file: string) => Promise<unknown>, RegExp]> = [
    ['a marker that is a folder', 'retry-errors.swap', (f) => mkdir(f), /is a folder/],
    [
      'a marker that links out of the folder',
      'retry-errors.swap',
      (f) => symlink(outside, f),
      /is a symbolic link/,
    ],
    [
      'new results that link out of the folder',
      'results.jsonl.retry-errors',
      (f) => symlink(outside, f),
      /is a symbolic link/,
    ],
    ['new results that are a folder', 'results.jsonl.retry-errors', (f) => mkdir(f), /is a folder/],
    [
      'new split records that are a FIFO',
      'splits.jsonl.retry-errors',
      async (f) => execFileSync('mkfifo', [f]),
      /is a FIFO \(named pipe\)/,
    ],
  ];
  it.each(notFiles)('%s: refused naming it, the folder unchanged', async (name, entry, make, kind) => {
    const folder = await damaged(name.replace(/\W+/g, '-'), async (f) => {
      if (!entry.startsWith('retry-errors')) await writeFile(path.join(f, 'retry-errors.swap'), 'swap\n');
      await make(path.join(f, entry));
    });
    const before = await snapshot(folder);
    const run = await retryErrors(folder);
    const file = path.join(folder, entry).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    expectRefusal(run, new RegExp(`--resume: ${file} ${kind.source}, not the file --retry-errors writes`));
    expect(await snapshot(folder)).toEqual(before);
    expect(await readFile(outside, 'utf8')).toBe(OUTSIDE_TEXT);
  });

  it.each([
    [
      'new results cut mid-line',
      'results.jsonl.retry-errors',
      '{"key":',
      /ends mid-line, but retry-errors\.swap says it is whole/,
    ],
    [
      'new results of another kind',
      'results.jsonl.retry-errors',
      '{"key":1}\n',
      /results\.jsonl\.retry-errors:1: key: expected a string, got 1/,
    ],
    [
      'new split records that are not JSON',
      'splits.jsonl.retry-errors',
      'nonsense\n',
      /splits\.jsonl\.retry-errors:1: not valid JSON/,
    ],
  ])("a forged marker beside %s: refused, the job's records kept", async (name, entry, text, problem) => {
    const folder = await damaged(name.replace(/\W+/g, '-'), async (f) => {
      await writeFile(path.join(f, 'retry-errors.swap'), 'swap\n');
      await writeFile(path.join(f, entry), text);
    });
    const before = await snapshot(folder);
    expectRefusal(await retryErrors(folder), problem);
    expect(await snapshot(folder)).toEqual(before);
  });

  it('a forged marker alone: the retry runs, one line per input', async () => {
    const folder = await damaged('forged-marker', (f) =>
      writeFile(path.join(f, 'retry-errors.swap'), 'anything'),
    );
    const run = await retryErrors(folder);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/retried 4 inputs whose line was a passing error: 4 now have a prediction/);
    const lines = await readResults(folder);
    expectEveryInputOnce(lines, dataset.keys);
    expect(lines.filter((l) => l.error !== null)).toEqual([]);
  });
});

describe('records of --retry-errors that are not what the job wrote', () => {
  const cases: Array<[string, (folder: string) => Promise<unknown>, RegExp]> = [
    [
      'errorKind beside a prediction',
      (f) =>
        editLines(path.join(f, 'results.jsonl'), (ls) => [
          ls[0]!.replace(/}$/, ',"errorKind":"passing"}'),
          ...ls.slice(1),
        ]),
      /results\.jsonl \(1 bad line\): .*results\.jsonl:1: errorKind: errorKind goes only with an error/,
    ],
    [
      'an errorKind the protocol does not have',
      (f) =>
        editLines(path.join(f, 'results.jsonl'), (ls) => ls.map((l) => l.replace('"passing"', '"maybe"'))),
      /results\.jsonl:2: errorKind: expected one of 'passing', 'permanent', got 'maybe'/,
    ],
    [
      'a split the plan does not have',
      (f) =>
        editLines(path.join(f, 'splits.jsonl'), (ls) => [
          ...ls,
          ls[0]!.replace('"splitId":"0"', '"splitId":"9"'),
        ]),
      /splits\.jsonl:3: splitId: '9' is not a split of the job's plan \(2 splits, ids 0 to 1\)/,
    ],
    [
      'a line whose key is not its input',
      (f) =>
        editLines(path.join(f, 'results.jsonl'), (ls) => [
          ls[0]!.replace(/"key":"[^"]*"/, '"key":"../../etc/passwd"'),
          ...ls.slice(1),
        ]),
      /--retry-errors: .* do not match its inputs: .*results\.jsonl:1: key: expected "images\/00000\.jpg" \(input 1\), got "\.\.\/\.\.\/etc\/passwd"/,
    ],
    [
      'two lines swapped',
      (f) => editLines(path.join(f, 'results.jsonl'), (ls) => [ls[1]!, ls[0]!, ...ls.slice(2)]),
      /results\.jsonl:1: key: expected "images\/00000\.jpg" \(input 1\), got "images\/00001\.jpg"/,
    ],
    [
      'results cut mid-line',
      async (f) => {
        const file = path.join(f, 'results.jsonl');
        const text = await readFile(file, 'utf8');
        await writeFile(file, text.slice(0, text.length - 20));
      },
      /results\.jsonl: has 7 lines, but .*splits\.jsonl counts 8/,
    ],
  ];
  it.each(cases)(
    '%s: refused naming the file and line, the folder unchanged',
    async (name, damage, problem) => {
      const folder = await damaged(name.replace(/\W+/g, '-'), damage);
      const before = await snapshot(folder);
      expectRefusal(await retryErrors(folder), problem);
      expect(await snapshot(folder)).toEqual(before);
    },
  );
});
