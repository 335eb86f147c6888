/**
 * A function that abuses `errorKind`, the per-input mark of a read error that may pass: it marks
 * inputs `passing` on every try, sends a kind the protocol does not have, a passing error for an
 * input it was not given, or answers a retry round with results that are no results. Each runs
 * on a loopback server speaking the HTTP function protocol, against the built CLI. The job ends
 * (an HTTP backend holds nothing open while a retry waits out its back-off), every input gets one
 * line, a split is invoked at most `--max-retries` times more than once, and the summary counts
 * exactly the invocations the function answered.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { generateDataset, type GeneratedDataset } from '../../src/dataset/generate.js';
import { obifaas } from '../support/obifaas-cli.js';
import {
  predicted,
  slowDown,
  startErrorKindFunction,
  type AnsweredResult as Result,
  type Answer,
  type ErrorKindFunction,
} from './support/error-kind-function.js';

let dir: string;
let dataset: GeneratedDataset;
let fn: ErrorKindFunction;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'obifaas-error-kinds-'));
  dataset = await generateDataset({ count: 8, outDir: path.join(dir, 'data'), seed: 2 });
  fn = await startErrorKindFunction();
});

beforeEach(() => {
  fn.reset();
  fn.extraResult = null;
});

afterAll(async () => {
  await fn.close();
  await rm(dir, { recursive: true, force: true });
});

interface JobRecord {
  summary: { invocations: number; inputs: number; ok: number; errors: number };
  invocations: unknown[];
}

/** Runs a static job of 2 splits of 4 inputs on the function; its exit, lines and record. */
async function runJob(name: string, maxRetries: number) {
  const out = path.join(dir, name);
  const args = fn.runArgs(dataset.manifestPath);
  const run = await obifaas(
    [...args, '--split-size', '4', '--max-retries', String(maxRetries), '--out', out],
    {
      cwd: dir,
      env: { OBIFAAS_HOME: path.join(dir, 'home') },
    },
  );
  const text = await readFile(path.join(out, 'results.jsonl'), 'utf8');
  const lines = text
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { key: string; error: string | null; errorKind?: string });
  const record = JSON.parse(await readFile(path.join(out, 'job.json'), 'utf8')) as JobRecord;
  return { run, lines, record };
}

/** Each split was invoked at most `1 + maxRetries` times, and the record counts every call. */
function expectWithinLimit(record: JobRecord, maxRetries: number): void {
  for (const splitId of ['0', '1']) {
    const invocations = fn.calls.filter((c) => c.some(([id]) => id === splitId)).length;
    expect(invocations, `split ${splitId}`).toBeLessThanOrEqual(1 + maxRetries);
  }
  expect(record.summary.invocations).toBe(fn.calls.length);
  expect(record.invocations).toHaveLength(fn.calls.length);
}

describe('a function that marks inputs passing on every try', () => {
  it('ends the job after the retry limit, with one line per input saying how often it was tried', async () => {
    fn.answer = (key) => (dataset.keys.indexOf(key) % 2 === 0 ? predicted(key) : slowDown(key));
    const { run, lines, record } = await runJob('half-passing', 2);
    expect(run.code, run.stderr).toBe(0);
    expect(lines.map((l) => l.key)).toEqual(dataset.keys);
    const failed = lines.filter((l) => l.error !== null);
    expect(failed.map((l) => l.error)).toEqual(Array(4).fill('SlowDown (tried 3 times)'));
    // Each round runs only the inputs still failing: 4, then 2 and 2 of each split.
    expect(fn.calls.map((c) => c[0]?.[1])).toEqual([4, 4, 2, 2, 2, 2]);
    expectWithinLimit(record, 2);
    expect(record.summary).toMatchObject({ inputs: 8, ok: 4, errors: 4 });
  });

  it('one retry limit when the rounds after a passing error fail too', async () => {
    fn.answer = (key, i, tries) =>
      tries > 1 ? { key, top: null, error: null } : i % 2 === 0 ? predicted(key) : slowDown(key);
    const { run, lines, record } = await runJob('retries-fail', 3);
    expect(run.code, run.stderr).toBe(0);
    expect(lines.map((l) => l.key)).toEqual(dataset.keys);
    expect(lines.filter((l) => l.error === null)).toHaveLength(4);
    for (const line of lines.filter((l) => l.error !== null))
      expect(line.error).toMatch(
        /^split [01] failed 3 times: .* must have either predictions, a vector or an error/,
      );
    expectWithinLimit(record, 3);
    expect(fn.calls).toHaveLength(8);
  });
});

describe('errorKind the function was not allowed to send', () => {
  const cases: Array<[string, Answer, Result | null, RegExp]> = [
    [
      'a kind the protocol does not have',
      (key) => ({ key, top: null, error: 'x', errorKind: 'sometimes' }),
      null,
      /input "images\/0000\d\.jpg": errorKind must be 'passing' or 'permanent', beside an error/,
    ],
    [
      'a kind beside a prediction',
      (key) => ({ ...predicted(key), errorKind: 'passing' }),
      null,
      /errorKind must be/,
    ],
    [
      'a passing error for an input it was not given',
      (key, i) => (i === 0 ? slowDown('not-given.jpg') : slowDown(key)),
      null,
      /no result for input "images\/0000[04]\.jpg"/,
    ],
    ['one passing error too many', slowDown, slowDown('ghost.jpg'), /5 results for 4 inputs/],
  ];
  it.each(cases)('%s: its results are refused, one line per input', async (name, given, extra, problem) => {
    fn.answer = given;
    fn.extraResult = extra;
    const { run, lines, record } = await runJob(name.replace(/\W+/g, '-'), 1);
    expect(run.code, run.stderr).toBe(0);
    expect(lines.map((l) => l.key)).toEqual(dataset.keys);
    for (const line of lines) {
      expect(line.error).toMatch(problem);
      expect(line).not.toHaveProperty('errorKind');
    }
    expectWithinLimit(record, 1);
    expect(fn.calls).toHaveLength(4);
  });
});
