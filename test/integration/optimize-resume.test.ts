/**
 * `obifaas optimize` as a user runs it (the real CLI in a child process, the tiny model, the
 * local backend): 4 trials of 2 runs each over a small conditional space (5 points) in which
 * one branch is a combination the function refuses (replicas 100), killed with SIGKILL once the
 * first trial is recorded, then run again: the history goes on without repeating finished
 * trials, proposals are those of an uninterrupted search, failed trials are recorded as failed,
 * and best-worker.json is written, with the spread of the best trial's runs, and applied by
 * `run --worker-config`. Asked for more trials than the space has points, the search stops once
 * each point is tried, never proposing one twice. (Other searches: `optimize-searches.test.ts`.)
 */
import { spawn } from 'node:child_process';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { JobRecord } from '../../src/manager/types.js';
import { obifaas } from '../support/cpr-e2e.js';
import { BUILT_CLI, requireFreshDist } from '../support/obifaas-bin.js';
import {
  expectedProposals,
  REPEATS,
  SPACE_POINTS,
  trialLines,
  TRIALS,
  useOptimizeWorld,
  world,
  type Trial,
} from '../support/optimize-search.js';

useOptimizeWorld();

describe('obifaas optimize', () => {
  let before: string[];

  it('records each trial as it finishes (killed after the first)', async () => {
    await requireFreshDist();
    const child = spawn(process.execPath, [BUILT_CLI, ...world.args], {
      cwd: world.dir,
      env: { ...process.env, OBIFAAS_HOME: path.join(world.dir, 'home') },
      stdio: 'ignore',
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    let running = true;
    void exited.then(() => (running = false));
    while (running && (await trialLines()).length === 0) await sleep(50);
    child.kill('SIGKILL');
    await exited;
    before = await trialLines();
    expect(before.length).toBeGreaterThanOrEqual(1);
    expect(before.length).toBeLessThan(TRIALS);
  });

  it('resumes: finished trials are kept, the others run, proposals as without the crash', async () => {
    const run = await obifaas(world.dir, world.args);
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as { resumed: number; trials: Trial[]; best: Trial };
    expect(report.resumed).toBe(before.length);
    const after = await trialLines();
    expect(after).toHaveLength(TRIALS);
    expect(after.slice(0, before.length)).toEqual(before);
    const trials = after.map((l) => JSON.parse(l) as Trial);
    expect(trials.map((t) => t.number)).toEqual([0, 1, 2, 3]);
    expect(trials.map((t) => t.params)).toEqual(expectedProposals());
    for (const t of trials) {
      if (t.params.replicas === 100) {
        expect(t.status).toBe('failed');
        expect(t.value).toBeNull();
        expect(t.error).toMatch(/replicas/);
      } else {
        expect(t.status, t.error).toBe('ok');
        expect(t.value).toBeGreaterThan(0);
        // The value is the median of the runs: here the mean of two, so within their range.
        expect(t.repeats).toHaveLength(REPEATS);
        const values = t.repeats!.map((r) => r.value);
        expect(t.value).toBeGreaterThanOrEqual(Math.min(...values) * (1 - 1e-9));
        expect(t.value).toBeLessThanOrEqual(Math.max(...values) * (1 + 1e-9));
      }
    }
    expect(trials.some((t) => t.status === 'failed')).toBe(true);
    const ok = trials.filter((t) => t.value !== null);
    expect(report.best.value).toBe(Math.max(...ok.map((t) => t.value!)));
  });

  it('writes trials.json, the history plot and best-worker.json, which run --worker-config applies', async () => {
    const opt = path.join(world.dir, 'opt');
    const summary = JSON.parse(await readFile(path.join(opt, 'trials.json'), 'utf8')) as {
      trials: Trial[];
      best: number;
    };
    expect(summary.trials).toHaveLength(TRIALS);
    expect((await stat(path.join(opt, 'optimization-history.svg'))).size).toBeGreaterThan(500);
    const best = JSON.parse(await readFile(path.join(opt, 'best-worker.json'), 'utf8')) as Record<
      string,
      number
    >;
    expect(best.trial).toBe(summary.best);
    const { spread, objective } = best as unknown as {
      spread: { repeats: number; min: number; max: number; median: number };
      objective: { value: number };
    };
    expect(spread.repeats).toBe(REPEATS);
    expect(spread.median).toBe(objective.value);
    expect(spread.min).toBeLessThanOrEqual(spread.max);
    expect(best.memory).toBe(1024);
    expect([4, 8]).toContain(best.batchSize);

    const run = await obifaas(world.dir, [
      'run',
      '--input',
      'data/manifest.txt',
      '--model',
      'tiny',
      '--worker-config',
      'opt/best-worker.json',
      '--out',
      'job',
      '--json',
    ]);
    expect(run.code, run.stderr).toBe(0);
    const record = JSON.parse(await readFile(path.join(world.dir, 'job', 'job.json'), 'utf8')) as JobRecord;
    expect(record.summary.ok).toBe(8);
    expect(record.summary.memoryMb).toBe(best.memory);
    expect(record.spec.pipeline.predict).toMatchObject({
      batchSize: best.batchSize,
      interOpThreads: best.interOpThreads,
      intraOpThreads: best.intraOpThreads,
      replicas: best.replicas,
    });
  });

  it('a larger --trials extends the search', async () => {
    const more = [...world.args];
    more[more.indexOf(String(TRIALS))] = String(TRIALS + 1);
    const run = await obifaas(world.dir, more);
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as { resumed: number; trials: Trial[] };
    expect(report.resumed).toBe(TRIALS);
    expect(report.trials.map((t) => t.number)).toEqual([0, 1, 2, 3, 4]);
  });

  it('asked for more trials than the space has points, tries each point once and stops', async () => {
    const more = [...world.args];
    more[more.indexOf(String(TRIALS))] = String(SPACE_POINTS + 3);
    const run = await obifaas(world.dir, more);
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as { exhausted: boolean; spaceSize: number; trials: Trial[] };
    expect(report.spaceSize).toBe(SPACE_POINTS);
    expect(report.exhausted).toBe(true);
    const logged = (await trialLines()).map((l) => JSON.parse(l) as Trial);
    expect(logged).toHaveLength(SPACE_POINTS);
    const keys = logged.map((t) => JSON.stringify(Object.entries(t.params).sort()));
    expect(new Set(keys).size).toBe(SPACE_POINTS);
  });
});
