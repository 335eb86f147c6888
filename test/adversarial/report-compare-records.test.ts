/**
 * `obifaas report A --compare B` with a forged job.json on one side, against the built CLI: huge
 * figures (1e308, whose ratios and bars overflow), zero durations, one invocation, none, and
 * thousands. Each page is written (exit 0) and neither it nor the printed verdicts hold NaN or
 * Infinity, either way round; a negative or missing duration is refused naming the field. The
 * real job ran on a loopback HTTP function.
 */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDataset } from '../../src/dataset/generate.js';
import type { JobRecord } from '../../src/manager/types.js';
import { expectRefusal } from '../support/cli-refusal.js';
import { obifaas } from '../support/obifaas-cli.js';
import { startErrorKindFunction, type ErrorKindFunction } from './support/error-kind-function.js';

let dir: string;
let fn: ErrorKindFunction;
let real: string;
let record: JobRecord;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'obifaas-compare-records-'));
  const dataset = await generateDataset({ count: 8, outDir: path.join(dir, 'data'), seed: 4 });
  fn = await startErrorKindFunction();
  real = path.join(dir, 'real');
  const args = fn.runArgs(dataset.manifestPath);
  const run = await obifaas([...args, '--split-size', '2', '--out', real, '--no-report'], {
    cwd: dir,
    env: { OBIFAAS_HOME: path.join(dir, 'home') },
  });
  expect(run.code, run.stderr).toBe(0);
  record = JSON.parse(await readFile(path.join(real, 'job.json'), 'utf8')) as JobRecord;
});

afterAll(async () => {
  await fn.close();
  await rm(dir, { recursive: true, force: true });
});

type Invocation = JobRecord['invocations'][number];

/** A copy of the real job whose job.json `forge` changed. */
async function forged(name: string, forge: (r: JobRecord) => void): Promise<string> {
  const folder = path.join(dir, name);
  await cp(real, folder, { recursive: true });
  const copy = structuredClone(record);
  forge(copy);
  await writeFile(path.join(folder, 'job.json'), JSON.stringify(copy));
  return folder;
}

const eachInvocation =
  (change: (inv: Invocation) => void) =>
  (r: JobRecord): void =>
    r.invocations.forEach(change);

const compare = (a: string, b: string, page: string) =>
  obifaas(['report', a, '--compare', b, '--out', page], {
    cwd: dir,
    env: { OBIFAAS_HOME: path.join(dir, 'home') },
  });

describe('report --compare with a forged record', () => {
  const cases: Array<[string, (r: JobRecord) => void]> = [
    [
      'a summary of 1e308',
      (r) => {
        Object.assign(r.summary, {
          latencySeconds: 1e308,
          elapsedSeconds: 1e308,
          imagesPerSecond: 1e308,
          costUsd: 1e308,
          billedSeconds: 1e308,
          costPerMillionImagesUsd: 1e308,
        });
      },
    ],
    [
      'durations of 1e308 ms',
      eachInvocation((inv) => Object.assign(inv, { durationMs: 1e308, billedMs: 1e308 })),
    ],
    ['durations of 0 ms', eachInvocation((inv) => Object.assign(inv, { durationMs: 0, billedMs: 0 }))],
    [
      'a summary of zeros',
      (r) => Object.assign(r.summary, { latencySeconds: 0, imagesPerSecond: 0, costUsd: 0 }),
    ],
    ['one invocation', (r) => (r.invocations = r.invocations.slice(0, 1))],
    ['no invocation', (r) => (r.invocations = [])],
    [
      '5,000 invocations',
      (r) =>
        (r.invocations = Array.from({ length: 5000 }, (_, n) => ({
          ...r.invocations[n % r.invocations.length]!,
          invocationId: `i${n}`,
          cold: n % 7 === 0,
          durationMs: 1 + (n % 97),
        }))),
    ],
  ];
  it.each(cases)('%s: a page without NaN or Infinity, either way round', async (name, forge) => {
    const folder = await forged(name.replace(/\W+/g, '-'), forge);
    for (const [a, b, page] of [
      [real, folder, path.join(dir, `${path.basename(folder)}-ab.html`)],
      [folder, real, path.join(dir, `${path.basename(folder)}-ba.html`)],
    ] as const) {
      const run = await compare(a, b, page);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).not.toMatch(/NaN|Infinity/);
      expect(await readFile(page, 'utf8')).not.toMatch(/NaN|Infinity/);
    }
  });

  it.each([
    [
      'a negative duration',
      { durationMs: -5 },
      /invocations\[0\]\.durationMs: expected a number >= 0, got -5/,
    ],
    [
      'no duration',
      { durationMs: undefined },
      /invocations\[0\]\.durationMs: missing: expected a number >= 0/,
    ],
  ])('%s: refused naming the field', async (name, change, problem) => {
    const folder = await forged(name.replace(/\W+/g, '-'), (r) => Object.assign(r.invocations[0]!, change));
    expectRefusal(await compare(real, folder, path.join(dir, 'refused.html')), problem);
  });
});
