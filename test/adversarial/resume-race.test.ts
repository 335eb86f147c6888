/**
 * Two `run --resume` of one killed job, started together, again and again: a job (the real CLI,
 * 16 inputs in 4 splits, the tiny model) is killed with SIGKILL once it has logged a split, and
 * two resumes of a copy of its folder race for it. Each try races on a fresh copy of one of a
 * few killed jobs (killed at different points, by their seeds), with the dead job manager's lock
 * still in it: what races is the takeover of that stale lock, and the copy holds the same bytes
 * a killed run leaves, without a killed run per try. In every try exactly one runs the job; the other is
 * refused with exit 2 and one line naming the process that holds the folder's lock (it does
 * not wait: a job manager that waited would only find the job done), or, if it comes late,
 * finds the job complete. `results.jsonl` ends with every input exactly once, and each split is
 * logged once.
 */
import path from 'node:path';
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectRefusal } from '../support/cli-refusal.js';
import { expectEveryInputOnce, readRecord, readResults, readSplitLog } from '../support/job-output.js';
import { copyFolder, jobFixture, runAndKill, type JobFixture } from '../support/killed-job.js';
import { obifaasBin, requireFreshDist, type BinRun } from '../support/obifaas-bin.js';

/**
 * Races, each on its own copy. Both resumes start at once and meet at the lock within a few
 * milliseconds of each other, where the takeover is decided; 20 tries give that interleaving
 * 20 chances to go wrong.
 */
const TRIES = 20;
/** Killed jobs to copy from, each killed by its own seed's delays at another point. */
const KILLED_JOBS = 4;
let fixture: JobFixture;
const killed: string[] = [];

beforeAll(async () => {
  await requireFreshDist();
  fixture = await jobFixture('obifaas-adv-race-', 16, 3);
  for (let k = 0; k < KILLED_JOBS; k++) {
    const out = path.join(fixture.dir, `killed-${k}`);
    const run = await runAndKill(fixture, out, 4, 1, k + 1);
    expect(run.signal, run.stderr).toBe('SIGKILL');
    killed.push(out);
  }
});
afterAll(async () => {
  if (fixture) await rm(fixture.dir, { recursive: true, force: true });
});

const resume = (folder: string): Promise<BinRun> =>
  obifaasBin(['run', '--resume', folder, '--json', '--no-report'], { cwd: fixture.dir, env: fixture.env });

describe('concurrent resumes of a killed job', () => {
  it(`run it exactly once, ${TRIES} times over`, { timeout: 1_500_000 }, async () => {
    const tally = { refused: 0, foundComplete: 0 };
    for (let t = 0; t < TRIES; t++) {
      const out = await copyFolder(killed[t % KILLED_JOBS] as string, path.join(fixture.dir, `try-${t}`));
      const runs = await Promise.all([resume(out), resume(out)]);
      const ran = runs.filter((r) => r.code === 0 && /resuming job/.test(r.stderr));
      expect(ran, `try ${t}: ${runs.map((r) => `${r.code} ${r.stderr}`).join(' | ')}`).toHaveLength(1);
      const winner = ran[0] as BinRun;
      const other = runs.find((r) => r !== winner) as BinRun;
      if (other.code === 2) {
        tally.refused++;
        expectRefusal(
          other,
          new RegExp(
            `^obifaas: --resume: the job in '.*try-${t}' is running: .*job\\.lock is held by process ${winner.pid} on `,
          ),
        );
      } else {
        tally.foundComplete++;
        expect(other.code, other.stderr).toBe(0);
        expect(JSON.parse(other.stdout)).toMatchObject({ status: 'completed', inputs: 16, ok: 16 });
      }
      expect(JSON.parse(winner.stdout)).toMatchObject({ status: 'completed', inputs: 16, ok: 16 });
      expectEveryInputOnce(await readResults(out), fixture.dataset.keys);
      const splits = (await readSplitLog(out)).map((s) => s.splitId).sort();
      expect(splits).toEqual(['0', '1', '2', '3']);
      expect((await readRecord(out)).status).toBe('completed');
    }
    console.info(
      `resume race: ${TRIES} tries, one run each; the other refused by the lock ${tally.refused} times, found the job complete ${tally.foundComplete} times`,
    );
  });
});
