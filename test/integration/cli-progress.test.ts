/**
 * Progress in a pipe, as a CI log gets it: the built CLI's `obifaas run` with stdout and stderr
 * piped prints plain progress lines on stderr at the interval `OBIFAAS_PROGRESS_INTERVAL` sets
 * (no bar, no control character), also with `--json` (whose stdout stays one JSON object), and
 * none with `off`; a value it cannot read is refused in one line.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDataset, type GeneratedDataset } from '../../src/dataset/generate.js';
import { expectRefusal } from '../support/cli-refusal.js';
import { obifaas as runObifaas, type CliRun } from '../support/obifaas-cli.js';

let dir: string;
let dataset: GeneratedDataset;
const IMAGES = 24;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'obifaas-cli-progress-'));
  dataset = await generateDataset({ count: IMAGES, outDir: path.join(dir, 'data'), seed: 3 });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** `obifaas run` of the tiny model over the images, one image per split on one worker. */
function run(out: string, interval: string, extra: string[] = []): Promise<CliRun> {
  return runObifaas(
    [
      ...['run', '--input', dataset.manifestPath, '--model', 'tiny', '--workers', '1'],
      ...['--split-size', '1', '--out', out, '--no-report', ...extra],
    ],
    { cwd: dir, env: { OBIFAAS_HOME: path.join(dir, 'home'), OBIFAAS_PROGRESS_INTERVAL: interval } },
  );
}

/** The progress lines of a job's stderr: `NAME done/total | errors | ... images/s | ETA ...`. */
const progressLines = (stderr: string): string[] =>
  stderr
    .split('\n')
    .filter((l) => new RegExp(`^\\S+ \\d+/${IMAGES} \\| \\d+ errors? \\| .* images/s \\| ETA `).test(l));

describe('obifaas run in a pipe', () => {
  it('prints plain progress lines on stderr at the interval, without control characters', async () => {
    const r = await run('plain', '20ms');
    expect(r.code, r.stderr).toBe(0);
    expect(progressLines(r.stderr).length, r.stderr).toBeGreaterThan(0);
    // eslint-disable-next-line no-control-regex
    expect(r.stderr).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f\u2588\u2591]/);
    expect(r.stdout).not.toMatch(/ images\/s \| ETA /);
  });

  it('keeps stdout one JSON object with --json, the progress on stderr', async () => {
    const r = await run('json', '20ms', ['--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    expect(() => JSON.parse(r.stdout) as unknown).not.toThrow();
    expect(progressLines(r.stderr).length, r.stderr).toBeGreaterThan(0);
  });

  it('prints no progress with OBIFAAS_PROGRESS_INTERVAL=off', async () => {
    const r = await run('off', 'off');
    expect(r.code, r.stderr).toBe(0);
    expect(progressLines(r.stderr)).toEqual([]);
  });

  it('refuses an interval it cannot read, naming the variable', async () => {
    expectRefusal(await run('bad', 'often'), /^obifaas: OBIFAAS_PROGRESS_INTERVAL: expected .*'often'/);
  });
});
