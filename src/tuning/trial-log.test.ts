import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readJsonlForAppend } from './jsonl-file.js';
import {
  bestTrial,
  BEST_WORKER_FILE,
  HISTORY_PLOT_FILE,
  TRIALS_FILE,
  TRIALS_LOG_FILE,
  TrialLog,
  writeTrialOutputs,
  type OptimizeSetup,
} from './trial-log.js';
import type { TrialRecord } from './trial-runner.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'obifaas-trial-log-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const setup: OptimizeSetup = {
  version: 1,
  spaceFile: '/spaces/s.json',
  space: { name: 's', parameters: { batchSize: { type: 'categorical', values: [8, 16] } } },
  seed: 1,
  objective: 'throughput',
  startupTrials: 10,
  backend: 'local',
  model: 'tiny',
  inputs: '/data/manifest.txt',
};

const settings = {
  memory: 3008,
  batchSize: 8,
  interOpThreads: 1,
  intraOpThreads: 1,
  replicas: 1,
  loadConcurrency: 32,
  preprocessConcurrency: 4,
};

function trial(number: number, value: number | null): TrialRecord {
  return {
    number,
    params: { batchSize: number % 2 ? 16 : 8 },
    value,
    status: value === null ? 'failed' : 'ok',
    ...(value === null ? { error: 'boom' } : {}),
    settings: { ...settings, batchSize: number % 2 ? 16 : 8 },
    seconds: 1,
  };
}

describe('readJsonlForAppend', () => {
  it('cuts a torn last line off the file, keeps a whole one and adds its newline', async () => {
    const file = path.join(dir, 'x.jsonl');
    expect(await readJsonlForAppend(file)).toBe('');
    await writeFile(file, '{"a":1}\n{"b":');
    expect(await readJsonlForAppend(file)).toBe('{"a":1}\n');
    expect(await readFile(file, 'utf8')).toBe('{"a":1}\n');
    await writeFile(file, '{"a":1}\n{"b":2}');
    expect(await readJsonlForAppend(file)).toBe('{"a":1}\n{"b":2}\n');
    expect(await readFile(file, 'utf8')).toBe('{"a":1}\n{"b":2}\n');
  });
});

describe('TrialLog', () => {
  it('appends trials and gives them back to the next run', async () => {
    const first = await TrialLog.open(dir, setup);
    expect(first.previous).toEqual([]);
    await first.append(trial(0, 5));
    await first.append(trial(1, null));
    await first.close();
    const second = await TrialLog.open(dir, setup);
    expect(second.previous).toEqual([trial(0, 5), trial(1, null)]);
    await second.close();
  });

  it('refuses a folder started with another space, seed or objective', async () => {
    await (await TrialLog.open(dir, setup)).close();
    await expect(TrialLog.open(dir, { ...setup, seed: 2, objective: 'cost-per-image' })).rejects.toThrow(
      /holds an optimization started with another seed, objective: re-run with the same settings/,
    );
  });

  it('names bad lines of the history by number', async () => {
    await (await TrialLog.open(dir, setup)).close();
    await writeFile(
      path.join(dir, TRIALS_LOG_FILE),
      `${JSON.stringify(trial(0, 1))}\nnot json\n${JSON.stringify({ ...trial(5, 1), value: 'x' })}\n`,
    );
    await expect(TrialLog.open(dir, setup)).rejects.toThrow(
      /trials\.jsonl:2: not valid JSON; .*trials\.jsonl:3: number: expected 1, got 5; .*trials\.jsonl:3: value: expected a number or null, got "x"/,
    );
  });
});

describe('trial outputs', () => {
  it('picks the best trial by direction, never a failed one', () => {
    const trials = [trial(0, 3), trial(1, null), trial(2, 7), trial(3, 7)];
    expect(bestTrial(trials, 'maximize')?.number).toBe(2);
    expect(bestTrial(trials, 'minimize')?.number).toBe(0);
    expect(bestTrial([trial(0, null)], 'maximize')).toBeNull();
  });

  it('writes trials.json, best-worker.json and the history plot', async () => {
    const trials = [trial(0, 3), trial(1, 9), trial(2, null)];
    const { best } = await writeTrialOutputs(dir, setup, trials);
    expect(best?.number).toBe(1);
    const summary = JSON.parse(await readFile(path.join(dir, TRIALS_FILE), 'utf8')) as Record<
      string,
      unknown
    >;
    expect(summary).toMatchObject({ best: 1, objective: { name: 'throughput', direction: 'maximize' } });
    expect(summary.trials).toHaveLength(3);
    const bestWorker = JSON.parse(await readFile(path.join(dir, BEST_WORKER_FILE), 'utf8')) as Record<
      string,
      unknown
    >;
    expect(bestWorker).toMatchObject({
      memory: 3008,
      batchSize: 16,
      interOpThreads: 1,
      intraOpThreads: 1,
      replicas: 1,
      objective: { name: 'throughput', value: 9 },
      trial: 1,
      trials: 3,
    });
    expect(bestWorker).not.toHaveProperty('loadConcurrency');
    expect(await readFile(path.join(dir, HISTORY_PLOT_FILE), 'utf8')).toMatch(
      /^<svg[\s\S]*best so far[\s\S]*<\/svg>\s*$/,
    );
  });
});
