/**
 * `obifaas optimize` as a user runs it (the real CLI in a child process, the tiny model, the
 * local backend): 4 trials over a small conditional space in which one branch is a
 * combination the function refuses (replicas 100), killed with SIGKILL once the first trial is
 * recorded, then run again: the history goes on without repeating finished trials, proposals
 * are those of an uninterrupted search, failed trials are recorded as failed, and
 * best-worker.json is written and applied by `run --worker-config`.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDataset } from '../../src/dataset/generate.js';
import type { JobRecord } from '../../src/manager/types.js';
import { parseSpace, type Params } from '../../src/planning/space.js';
import { TpeOptimizer } from '../../src/planning/tpe.js';
import { obifaas, repoRoot } from '../support/cpr-e2e.js';

const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const SEED = 5;
const TRIALS = 4;
const SPACE = {
  name: 'tiny-test',
  parameters: {
    memory: {
      type: 'categorical',
      values: [1024, 2048],
      branches: {
        '1024': {
          batchSize: { type: 'categorical', values: [4, 8] },
          replicas: { type: 'int', min: 1, max: 2 },
        },
        '2048': {
          batchSize: { type: 'categorical', values: [4] },
          replicas: { type: 'categorical', values: [100] },
        },
      },
    },
  },
};

let dir: string;
let args: string[];

interface Trial {
  number: number;
  params: Params;
  value: number | null;
  status: string;
  error?: string;
}

async function trialLines(): Promise<string[]> {
  const text = await readFile(path.join(dir, 'opt', 'trials.jsonl'), 'utf8').catch(() => '');
  return text.split('\n').filter((l) => l.trim() !== '');
}

/** What an uninterrupted search proposes (all trials are in the random start-up phase). */
function expectedProposals(): Params[] {
  const optimizer = new TpeOptimizer(parseSpace(SPACE), { seed: SEED, direction: 'maximize' });
  const proposals: Params[] = [];
  for (let i = 0; i < TRIALS; i++) {
    const params = optimizer.ask();
    proposals.push(params);
    optimizer.tell(params, 1);
  }
  return proposals;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'obifaas-optimize-'));
  const data = await generateDataset({ count: 8, outDir: path.join(dir, 'data'), seed: 4 });
  await writeFile(path.join(dir, 'space.json'), JSON.stringify(SPACE));
  args = [
    'optimize',
    '--space',
    'space.json',
    '--trials',
    String(TRIALS),
    '--seed',
    String(SEED),
    '--input',
    data.manifestPath,
    '--model',
    'tiny',
    '--out',
    'opt',
    '--json',
  ];
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('obifaas optimize', () => {
  let before: string[];

  it('records each trial as it finishes (killed after the first)', async () => {
    const child = spawn(
      process.execPath,
      ['--import', tsx, path.join(repoRoot, 'src/cli/run-main.ts'), ...args],
      {
        cwd: dir,
        env: { ...process.env, OBIFAAS_HOME: path.join(dir, 'home') },
        stdio: 'ignore',
      },
    );
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
    const run = await obifaas(dir, args);
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
      }
    }
    expect(trials.some((t) => t.status === 'failed')).toBe(true);
    const ok = trials.filter((t) => t.value !== null);
    expect(report.best.value).toBe(Math.max(...ok.map((t) => t.value!)));
  });

  it('writes trials.json, the history plot and best-worker.json, which run --worker-config applies', async () => {
    const opt = path.join(dir, 'opt');
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
    expect(best.memory).toBe(1024);
    expect([4, 8]).toContain(best.batchSize);

    const run = await obifaas(dir, [
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
    const record = JSON.parse(await readFile(path.join(dir, 'job', 'job.json'), 'utf8')) as JobRecord;
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
    const more = [...args];
    more[more.indexOf(String(TRIALS))] = String(TRIALS + 1);
    const run = await obifaas(dir, more);
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as { resumed: number; trials: Trial[] };
    expect(report.resumed).toBe(TRIALS);
    expect(report.trials.map((t) => t.number)).toEqual([0, 1, 2, 3, 4]);
  });

  it('a search where every trial fails records them as failed and exits 1', async () => {
    await writeFile(
      path.join(dir, 'bad-space.json'),
      JSON.stringify({
        parameters: {
          batchSize: { type: 'categorical', values: [2] },
          replicas: { type: 'categorical', values: [100] },
        },
      }),
    );
    const bad = [...args];
    bad[bad.indexOf('space.json')] = 'bad-space.json';
    bad[bad.indexOf('opt')] = 'opt-bad';
    bad[bad.indexOf(String(TRIALS))] = '2';
    const run = await obifaas(dir, bad);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^obifaas: no trial succeeded \(first error: .*replicas/m);
    const report = JSON.parse(run.stdout) as { trials: Trial[]; best: Trial | null };
    expect(report.trials.map((t) => t.status)).toEqual(['failed', 'failed']);
    expect(report.best).toBeNull();
  });
});
