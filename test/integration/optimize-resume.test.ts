/**
 * `obifaas optimize` as a user runs it (the real CLI in a child process, the tiny model, the
 * local backend): 4 trials of 2 runs each over a small conditional space (5 points) in which
 * one branch is a combination the function refuses (replicas 100), killed with SIGKILL once the
 * first trial is recorded, then run again: the history goes on without repeating finished
 * trials, proposals are those of an uninterrupted search, failed trials are recorded as failed,
 * and best-worker.json is written, with the spread of the best trial's runs, and applied by
 * `run --worker-config`. Asked for more trials than the space has points, the search stops once
 * each point is tried, never proposing one twice. The default space runs on 256 images.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDataset } from '../../src/dataset/generate.js';
import type { JobRecord } from '../../src/manager/types.js';
import { parseSpace, type Params } from '../../src/planning/space.js';
import { TpeOptimizer } from '../../src/planning/tpe.js';
import { obifaas } from '../support/cpr-e2e.js';
import { BUILT_CLI, requireFreshDist } from '../support/obifaas-bin.js';

const SEED = 5;
const TRIALS = 4;
const REPEATS = 2;
/** The points of SPACE: 2 x 2 under 1024 MB, 1 under 2048 MB. */
const SPACE_POINTS = 5;
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
  repeats?: { value: number; job: string }[];
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
    '--repeats',
    String(REPEATS),
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
    await requireFreshDist();
    const child = spawn(process.execPath, [BUILT_CLI, ...args], {
      cwd: dir,
      env: { ...process.env, OBIFAAS_HOME: path.join(dir, 'home') },
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
    const { spread, objective } = best as unknown as {
      spread: { repeats: number; min: number; max: number; median: number };
      objective: { value: number };
    };
    expect(spread.repeats).toBe(REPEATS);
    expect(spread.median).toBe(objective.value);
    expect(spread.min).toBeLessThanOrEqual(spread.max);
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

  it('asked for more trials than the space has points, tries each point once and stops', async () => {
    const more = [...args];
    more[more.indexOf(String(TRIALS))] = String(SPACE_POINTS + 3);
    const run = await obifaas(dir, more);
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as { exhausted: boolean; spaceSize: number; trials: Trial[] };
    expect(report.spaceSize).toBe(SPACE_POINTS);
    expect(report.exhausted).toBe(true);
    const logged = (await trialLines()).map((l) => JSON.parse(l) as Trial);
    expect(logged).toHaveLength(SPACE_POINTS);
    const keys = logged.map((t) => JSON.stringify(Object.entries(t.params).sort()));
    expect(new Set(keys).size).toBe(SPACE_POINTS);
  });

  it('the default space runs on a 256-image dataset, leaving out the batch sizes above 256', async () => {
    const data = await generateDataset({ count: 256, outDir: path.join(dir, 'data256'), seed: 6 });
    const run = await obifaas(dir, [
      'optimize',
      '--trials',
      '2',
      '--repeats',
      '1',
      '--seed',
      '3',
      '--input',
      data.manifestPath,
      '--model',
      'tiny',
      '--out',
      'opt-default',
      '--json',
    ]);
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as {
      trials: Trial[];
      fitted: { path: string; values: string }[];
    };
    expect(report.fitted).toEqual([{ path: 'parameters.memory.branches.10240.batchSize', values: '512' }]);
    expect(report.trials).toHaveLength(2);
    for (const t of report.trials) expect(t.params.batchSize as number).toBeLessThanOrEqual(256);
    const setup = JSON.parse(await readFile(path.join(dir, 'opt-default', 'optimize.json'), 'utf8')) as {
      space: unknown;
    };
    expect(JSON.stringify(setup.space)).not.toMatch(/\b512\b/);
  });

  it('--precision fp32,int8 tries the model and its int8 build, and best-worker.json names the winner', async () => {
    await writeFile(
      path.join(dir, 'one-batch.json'),
      JSON.stringify({ parameters: { batchSize: { type: 'categorical', values: [4] } } }),
    );
    const run = await obifaas(dir, [
      'optimize',
      '--space',
      'one-batch.json',
      '--precision',
      'fp32,int8',
      '--trials',
      '3',
      '--repeats',
      '1',
      '--input',
      'data/manifest.txt',
      '--model',
      'tiny',
      '--out',
      'opt-precision',
      '--json',
    ]);
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as {
      trials: (Trial & { model?: string })[];
      exhausted: boolean;
      spaceSize: number;
    };
    expect(report.spaceSize).toBe(2);
    expect(report.exhausted).toBe(true);
    expect(report.trials.map((t) => t.params.precision).sort()).toEqual(['fp32', 'int8']);
    for (const t of report.trials) expect(t.status, t.error).toBe('ok');
    const int8 = report.trials.find((t) => t.params.precision === 'int8')!;
    expect(int8.model).toMatch(/tiny-int8-.*\.onnx$/);
    const job = JSON.parse(
      await readFile(
        path.join(dir, 'opt-precision', 'trials', `trial-${int8.number}`, 'repeat-0', 'job.json'),
        'utf8',
      ),
    ) as JobRecord;
    expect(job.spec.model.uri).toBe(int8.model);
    const best = JSON.parse(await readFile(path.join(dir, 'opt-precision', 'best-worker.json'), 'utf8')) as {
      precision: string;
      model: string;
    };
    expect(['fp32', 'int8']).toContain(best.precision);
    expect(best.model).toBe(best.precision === 'int8' ? int8.model : 'tiny');
  });

  it('a search where every trial fails records them as failed and exits 1', async () => {
    await writeFile(
      path.join(dir, 'bad-space.json'),
      JSON.stringify({
        parameters: {
          batchSize: { type: 'categorical', values: [2, 4] },
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
