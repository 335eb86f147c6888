/**
 * The test world of `obifaas optimize`: a small conditional space (5 points, one branch the
 * function refuses), an 8-image dataset and the arguments of a 4-trial search of 2 runs each.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { generateDataset } from '../../src/dataset/generate.js';
import { parseSpace, type Params } from '../../src/planning/space.js';
import { TpeOptimizer } from '../../src/planning/tpe.js';

/** The search's seed, trials and runs per trial. */
export const SEED = 5;
export const TRIALS = 4;
export const REPEATS = 2;
/** The points of SPACE: 2 x 2 under 1024 MB, 1 under 2048 MB. */
export const SPACE_POINTS = 5;
/** The space: one branch (2048 MB with 100 replicas) is a combination the function refuses. */
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

/** The test's folder (the CLI's working folder) and the search's arguments, once set up. */
export const world = { dir: '', args: [] as string[] };

/** A trial as trials.jsonl and the report hold it. */
export interface Trial {
  number: number;
  params: Params;
  value: number | null;
  status: string;
  error?: string;
  repeats?: { value: number; job: string }[];
}

/** The lines of trials.jsonl in the search's out folder. */
export async function trialLines(): Promise<string[]> {
  const text = await readFile(path.join(world.dir, 'opt', 'trials.jsonl'), 'utf8').catch(() => '');
  return text.split('\n').filter((l) => l.trim() !== '');
}

/** What an uninterrupted search proposes (all trials are in the random start-up phase). */
export function expectedProposals(): Params[] {
  const optimizer = new TpeOptimizer(parseSpace(SPACE), { seed: SEED, direction: 'maximize' });
  const proposals: Params[] = [];
  for (let i = 0; i < TRIALS; i++) {
    const params = optimizer.ask();
    proposals.push(params);
    optimizer.tell(params, 1);
  }
  return proposals;
}

/** Makes the folder, the 8-image dataset and space.json before the file's tests; removes them after. */
export function useOptimizeWorld(): void {
  beforeAll(async () => {
    world.dir = await mkdtemp(path.join(os.tmpdir(), 'obifaas-optimize-'));
    const data = await generateDataset({ count: 8, outDir: path.join(world.dir, 'data'), seed: 4 });
    await writeFile(path.join(world.dir, 'space.json'), JSON.stringify(SPACE));
    world.args = [
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
    await rm(world.dir, { recursive: true, force: true });
  });
}
