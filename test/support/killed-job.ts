/**
 * Jobs killed in the middle of a run, for tests of what a resume does with their folders: a
 * small dataset and the tiny model in a temporary home, a job run by the real CLI and killed
 * (SIGKILL) once it has logged some splits, and snapshots of a folder's records.
 */
import type { ChildProcess } from 'node:child_process';
import { cp, mkdtemp, readdir, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { generateDataset, type GeneratedDataset } from '../../src/dataset/generate.js';
import { ensureBuiltinModel } from '../../src/models/cache.js';
import { obifaasBin, type BinRun } from './obifaas-bin.js';

export interface JobFixture {
  dir: string;
  env: NodeJS.ProcessEnv;
  dataset: GeneratedDataset;
}

/** A temporary folder with `images` generated images and the tiny model built in its home. */
export async function jobFixture(prefix: string, images: number, seed = 7): Promise<JobFixture> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  const home = path.join(dir, 'home');
  await ensureBuiltinModel('tiny', { home });
  const dataset = await generateDataset({ count: images, outDir: path.join(dir, 'data'), seed });
  return { dir, env: { OBIFAAS_HOME: home }, dataset };
}

/** The complete lines of a JSON-lines file that may end with a line cut short. */
export async function completeLines(file: string): Promise<string[]> {
  const text = await readFile(file, 'utf8').catch(() => '');
  const lines = text.split('\n');
  lines.pop(); // after the last newline: empty, or a partial line
  return lines;
}

/** SIGKILLs the child once `out/splits.jsonl` has at least `lines` lines. */
export function killAfterSplits(out: string, lines: number): (child: ChildProcess) => void {
  return (child) => {
    const timer = setInterval(() => {
      void completeLines(path.join(out, 'splits.jsonl')).then((done) => {
        if (done.length >= lines && child.exitCode === null) {
          clearInterval(timer);
          child.kill('SIGKILL');
        }
      });
    }, 10);
    child.once('exit', () => clearInterval(timer));
  };
}

/**
 * The flags of a static job over the fixture's inputs in `splits` splits, slowed by a seeded
 * delay per split so that a kill lands in the middle of it.
 */
export function slowJobArgs(fixture: JobFixture, out: string, splits: number, seed: number): string[] {
  return [
    'run',
    '--input',
    fixture.dataset.manifestPath,
    '--model',
    'tiny',
    '--workers',
    String(splits),
    '--max-concurrency',
    '2',
    '--intra-op-threads',
    '1',
    '--delay-percent',
    '100',
    '--delay-max',
    '400ms',
    '--fault-seed',
    String(seed),
    '--no-report',
    '--out',
    out,
  ];
}

/** Runs the slow job and kills it once it has logged `killAt` splits. */
export function runAndKill(
  fixture: JobFixture,
  out: string,
  splits: number,
  killAt: number,
  seed = 1,
): Promise<BinRun> {
  return obifaasBin(slowJobArgs(fixture, out, splits, seed), {
    cwd: fixture.dir,
    env: fixture.env,
    onSpawn: killAfterSplits(out, killAt),
  });
}

/** Every file of a job folder but its lock, by name, with its bytes as text. */
export async function snapshot(folder: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of (await readdir(folder)).sort()) {
    if (name === 'job.lock' || name.startsWith('.job.lock.')) continue;
    out[name] = await readFile(path.join(folder, name), 'utf8');
  }
  return out;
}

/** A copy of a job folder. */
export async function copyFolder(from: string, to: string): Promise<string> {
  await cp(from, to, { recursive: true });
  return to;
}
