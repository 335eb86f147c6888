/**
 * The world of integration tests that run many real jobs in one file: a temporary folder, the
 * `tiny` model, a generated dataset, and one local backend (function processes) shared by the
 * file's jobs; `run` compiles and runs one job in a new output folder and checks that every input
 * has exactly one result line.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { LocalBackend } from '../../src/backends/local/local-backend.js';
import { generateDataset, type GeneratedDataset } from '../../src/dataset/generate.js';
import { runJob } from '../../src/manager/run-job.js';
import type { InvocationRecord, JobRecord } from '../../src/manager/types.js';
import type { RunJobDeps } from '../../src/manager/run-job-types.js';
import { ensureBuiltinModel } from '../../src/models/cache.js';
import { compileJobSpec } from '../../src/spec/compile.js';
import { expectEveryInputOnce, readRecord, readResults } from './job-output.js';

/** What the tests of a file share; each field exists only while the tests run. */
export interface LocalJobWorld {
  readonly dir: string;
  readonly dataset: GeneratedDataset;
  readonly backend: LocalBackend;
  /** Runs a job of the dataset with the tiny model and `options`; its folder and record. */
  run(options: Record<string, unknown>, deps?: RunJobDeps): Promise<{ out: string; record: JobRecord }>;
}

/** Registers the hooks that make and remove the world (`prefix` names its folder, `seed` its images). */
export function useLocalJobWorld(prefix: string, seed: number): LocalJobWorld {
  let state: { dir: string; dataset: GeneratedDataset; model: string; backend: LocalBackend } | undefined;
  let jobs = 0;
  beforeAll(async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
    const model = await ensureBuiltinModel('tiny', { home: dir });
    const dataset = await generateDataset({ count: 24, outDir: path.join(dir, 'data'), seed });
    state = {
      dir,
      dataset,
      model,
      backend: new LocalBackend({ maxConcurrency: 5, log: { write: () => true } }),
    };
  });
  afterAll(async () => {
    await state?.backend.close();
    if (state) await rm(state.dir, { recursive: true, force: true });
    state = undefined;
  });
  const now = (): NonNullable<typeof state> => {
    if (!state) throw new Error('the job world exists only while the tests run');
    return state;
  };
  return {
    get dir() {
      return now().dir;
    },
    get dataset() {
      return now().dataset;
    },
    get backend() {
      return now().backend;
    },
    async run(options, deps = {}) {
      const { dir, dataset, model, backend } = now();
      const out = path.join(dir, `job${jobs++}`);
      const spec = compileJobSpec(
        { inputs: dataset.manifestPath, model, out, ...options },
        { cores: 2, now: new Date(), cwd: dir },
      );
      await runJob(spec, { backend, ...deps });
      expectEveryInputOnce(await readResults(out), dataset.keys);
      return { out, record: await readRecord(out) };
    },
  };
}

/** Whether a dynamic invocation finished a split (one it was assigned and did not give up). */
export function ranSplit(invocation: InvocationRecord): boolean {
  return (invocation.dispatch?.assigned ?? 0) > (invocation.dispatch?.cancelled ?? 0);
}
