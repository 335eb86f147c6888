/**
 * One job killed in the middle of its run (16 inputs in 4 splits, killed by SIGKILL after
 * logging 2 of them), for the adversarial tests that damage copies of its folder and resume
 * them. A test file runs `beforeAll(startKilledJob)` and `afterAll(removeKilledJob)`; `fixture`
 * and `killed` are set by then.
 */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'vitest';
import { copyFolder, jobFixture, runAndKill, type JobFixture } from '../../support/killed-job.js';
import { obifaasBin, requireFreshDist, type BinRun } from '../../support/obifaas-bin.js';

export let fixture: JobFixture;
/** The killed job's folder; tests damage copies of it, never the folder itself. */
export let killed: string;
let copies = 0;

export async function startKilledJob(): Promise<void> {
  await requireFreshDist();
  fixture = await jobFixture('obifaas-adv-folder-', 16);
  killed = path.join(fixture.dir, 'killed');
  const run = await runAndKill(fixture, killed, 4, 2);
  expect(run.signal, run.stderr).toBe('SIGKILL');
}

export async function removeKilledJob(): Promise<void> {
  if (fixture) await rm(fixture.dir, { recursive: true, force: true });
}

/** A copy of `folder` in a new folder of its own beside the killed job's. */
export const copyOf = (folder: string): Promise<string> =>
  copyFolder(folder, path.join(fixture.dir, `copy-${++copies}`));

/** `obifaas run --resume folder --json --no-report` in the fixture's folder and home. */
export const resume = (folder: string, extra: string[] = []): Promise<BinRun> =>
  obifaasBin(['run', '--resume', folder, '--json', '--no-report', ...extra], {
    cwd: fixture.dir,
    env: fixture.env,
  });
