import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
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

  it('names bad lines of the history by number, and a history out of sequence', async () => {
    await (await TrialLog.open(dir, setup)).close();
    await writeFile(
      path.join(dir, TRIALS_LOG_FILE),
      [
        JSON.stringify(trial(0, 1)),
        'not json',
        JSON.stringify({ ...trial(1, 1), value: 'x', extra: true }),
        JSON.stringify(trial(7, 2)),
        '',
      ].join('\n'),
    );
    await expect(TrialLog.open(dir, setup)).rejects.toThrow(
      /^bad trial records in .*trials\.jsonl \(3 bad lines\): .*trials\.jsonl:2: not valid JSON; .*trials\.jsonl:3: value: expected a number, got 'x'; .*trials\.jsonl:3: extra: unknown key; expected one of: .*; .*trials\.jsonl:4: number: expected 1, got 7$/,
    );
  });

  it('keeps a failed trial whose settings were over the function limits', async () => {
    const over = { ...trial(0, null), settings: { ...settings, replicas: 100, batchSize: 100_000 } };
    const first = await TrialLog.open(dir, setup);
    await first.append(over);
    await first.close();
    const second = await TrialLog.open(dir, setup);
    expect(second.previous).toEqual([over]);
    await second.close();
  });

  it('cuts a torn last trial off, to be run again', async () => {
    await (await TrialLog.open(dir, setup)).close();
    const file = path.join(dir, TRIALS_LOG_FILE);
    await writeFile(file, `${JSON.stringify(trial(0, 1))}\n{"number":1,"par`);
    const log = await TrialLog.open(dir, setup);
    expect(log.previous).toEqual([trial(0, 1)]);
    await log.close();
    expect(await readFile(file, 'utf8')).toBe(`${JSON.stringify(trial(0, 1))}\n`);
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

  it('reports the best by the median of its runs, with their spread, not its luckiest run', async () => {
    const runs = (values: number[]): TrialRecord['repeats'] =>
      values.map((value, k) => ({
        value,
        computeSeconds: 1 / value,
        initSeconds: 1,
        latencySeconds: 2,
        job: `j${k}`,
      }));
    // Trial 0 had one lucky run (12) but a median of 8; trial 1 is steadily at 10.
    const lucky: TrialRecord = { ...trial(0, 8), repeats: runs([8, 12, 7]) };
    const steady: TrialRecord = { ...trial(1, 10), repeats: runs([10, 9.5, 10.5]) };
    const { best } = await writeTrialOutputs(dir, setup, [lucky, steady]);
    expect(best?.number).toBe(1);
    const bestWorker = JSON.parse(await readFile(path.join(dir, BEST_WORKER_FILE), 'utf8')) as Record<
      string,
      unknown
    >;
    expect(bestWorker).toMatchObject({
      objective: { value: 10 },
      spread: { repeats: 3, median: 10, min: 9.5, max: 10.5 },
      trial: 1,
    });
    const summary = JSON.parse(await readFile(path.join(dir, TRIALS_FILE), 'utf8')) as Record<
      string,
      unknown
    >;
    expect(summary.bestSpread).toEqual({ repeats: 3, median: 10, min: 9.5, max: 10.5 });
    // The runs are kept in the log, and read back.
    const log = await TrialLog.open(dir, { ...setup, repeats: 3 });
    await log.append(lucky);
    await log.close();
    const again = await TrialLog.open(dir, { ...setup, repeats: 3 });
    expect(again.previous[0]!.repeats).toEqual(lucky.repeats);
    await again.close();
  });

  it('says how to resume a folder of an older version (one run per trial)', async () => {
    await (await TrialLog.open(dir, setup)).close();
    await expect(TrialLog.open(dir, { ...setup, repeats: 3 })).rejects.toThrow(
      /started with another repeats \(repeats was 1, now 3: give --repeats 1 to resume\)/,
    );
  });
});
