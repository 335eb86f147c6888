/**
 * Stopped-invocation benchmark: what the invocation after a stopped one pays. The local
 * backend (one function process, from the compiled code; `--dist A,B` measures several builds,
 * such as a copy of an earlier one, in turn in every round) runs `--model` (default resnet50):
 * each round starts an invocation of two batches, cancels it once its function has spent
 * `--stop-cpu-ms` of CPU (its first batch is then running), and runs a follow-up invocation of
 * one batch of other images. Counted per build: follow-ups that loaded the model
 * (`timings.cold`), follow-ups in a new process (`stats.cold`), and the medians of the
 * follow-ups' billed ms, init ms (a new process), model load ms and latency (submit to result: it includes waiting for
 * the stopped run's process). Results merge into bench/results/stopped-runs.json under `--label`.
 *
 *   npm run bench:stopped-runs [-- --rounds 5 --dist dist-before,dist --stop-cpu-ms 600 --label NAME]
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ComputeBackend } from '../src/backends/backend.js';
import type { LocalBackendOptions } from '../src/backends/local/local-backend.js';
import { generateDataset } from '../src/dataset/generate.js';
import { ensureBuiltinModel, isBuiltinModelName, type BuiltinModelName } from '../src/models/cache.js';
import { noAccess } from '../src/protocol/function-access.js';
import type { WorkerPayload } from '../src/protocol/invocation.js';
import { writeLabelledResult } from './labelled-results.js';
import { machineReport, median } from './machine.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '..');
const RESULTS = path.join(here, 'results', 'stopped-runs.json');
const BATCH = 8;
const INTRA_OP_THREADS = 2;

interface Options {
  rounds: number;
  dists: string[];
  model: BuiltinModelName;
  stopCpuMs: number;
  label: string;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { rounds: 5, dists: ['dist'], model: 'resnet50', stopCpuMs: 600, label: 'current' };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1] ?? ''];
    if (flag === '--rounds') o.rounds = Number(value);
    else if (flag === '--dist') o.dists = value.split(',');
    else if (flag === '--stop-cpu-ms') o.stopCpuMs = Number(value);
    else if (flag === '--label') o.label = value;
    else if (flag === '--model' && isBuiltinModelName(value)) o.model = value;
    else throw new Error(`bad flag ${flag} ${value} (--rounds, --dist, --model, --stop-cpu-ms, --label)`);
  }
  if (!Number.isInteger(o.rounds) || o.rounds < 1) throw new Error('--rounds must be a whole number ≥ 1');
  if (!(o.stopCpuMs > 0)) throw new Error('--stop-cpu-ms must be a number > 0');
  return o;
}

/** CPU time process `pid` has used (ms; Linux `/proc`, 100 ticks a second). */
async function processCpuMs(pid: number): Promise<number> {
  const fields = (await fs.readFile(`/proc/${pid}/stat`, 'utf8')).replace(/^.*\) /, '').split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** One follow-up invocation, as measured. */
interface FollowUp {
  modelLoaded: boolean;
  newProcess: boolean;
  billedMs: number;
  /** Start-up of a new process (0 when warm), billed on top by platforms that bill init. */
  initMs: number;
  modelLoadMs: number;
  latencyMs: number;
}

/** A build's LocalBackend, its process's pid, and its rounds so far. */
interface Build {
  dist: string;
  backend: ComputeBackend & { processes(): { pid: number | undefined }[] };
  followUps: FollowUp[];
}

async function openBuild(dist: string, readRoots: string[]): Promise<Build> {
  const url = pathToFileURL(path.resolve(repoRoot, dist, 'backends', 'local', 'local-backend.js')).href;
  const { LocalBackend } = (await import(url)) as {
    LocalBackend: new (o: LocalBackendOptions) => Build['backend'];
  };
  const backend = new LocalBackend({
    maxConcurrency: 1,
    log: process.stderr,
    access: { ...noAccess(), readRoots },
  });
  return { dist, backend, followUps: [] };
}

async function must(backend: ComputeBackend, payload: WorkerPayload) {
  const inv = await backend.invoke(payload);
  if (!inv.ok) throw new Error(`invocation failed: ${inv.error.message}`);
  return inv;
}

/** Stops one invocation mid-run, then measures the follow-up. */
async function round(build: Build, stopped: WorkerPayload, next: WorkerPayload, stopCpuMs: number) {
  const pid = build.backend.processes()[0]?.pid;
  if (pid === undefined) throw new Error('no function process');
  const controller = new AbortController();
  const atStart = await processCpuMs(pid);
  const stopping = build.backend.invoke(stopped, { signal: controller.signal });
  for (let polls = 0; (await processCpuMs(pid)) - atStart < stopCpuMs; polls++) {
    if (polls > 3_000) throw new Error(`the function spent less than ${stopCpuMs} ms of CPU in a minute`);
    await sleep(20);
  }
  controller.abort();
  if ((await stopping).ok) throw new Error('the invocation ended before it was stopped: lower --stop-cpu-ms');
  const t0 = performance.now();
  const inv = await must(build.backend, next);
  build.followUps.push({
    modelLoaded: inv.result.timings.cold,
    newProcess: inv.stats.cold,
    billedMs: inv.stats.billedMs,
    initMs: inv.stats.initMs,
    modelLoadMs: inv.result.timings.modelLoadMs,
    latencyMs: performance.now() - t0,
  });
}

function summary(build: Build) {
  const f = build.followUps;
  const med = (pick: (x: FollowUp) => number): number => Math.round(median(f.map(pick)));
  return {
    dist: build.dist,
    followUps: f.length,
    modelLoads: f.filter((x) => x.modelLoaded).length,
    newProcesses: f.filter((x) => x.newProcess).length,
    medianBilledMs: med((x) => x.billedMs),
    medianInitMs: med((x) => x.initMs),
    medianModelLoadMs: med((x) => x.modelLoadMs),
    medianLatencyMs: med((x) => x.latencyMs),
    billedMs: f.map((x) => x.billedMs),
  };
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const loadBefore = os.loadavg();
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'obifaas-bench-stopped-'));
  const builds: Build[] = [];
  try {
    const model = await ensureBuiltinModel(options.model);
    const data = await generateDataset({ count: 3 * BATCH, outDir: path.join(dir, 'data'), seed: 3 });
    const root = path.dirname(data.manifestPath);
    const payload = (workerId: string, keys: string[]): WorkerPayload => ({
      kind: 'static',
      jobId: 'bench-stopped',
      workerId,
      model: { uri: model },
      storage: { type: 'fs', root },
      pipeline: {
        load: { concurrency: 4 },
        preprocess: { concurrency: 2 },
        predict: { batchSize: BATCH, intraOpThreads: INTRA_OP_THREADS, interOpThreads: 1, replicas: 1 },
        topK: 5,
      },
      splits: [{ splitId: workerId, keys }],
    });
    const stopped = payload('stopped', data.keys.slice(0, 2 * BATCH));
    const next = payload('next', data.keys.slice(2 * BATCH));
    for (const dist of options.dists) {
      const build = await openBuild(dist, [root, model]);
      builds.push(build);
      await must(build.backend, next); // the function's cold start, not counted
    }
    for (let r = 0; r < options.rounds; r++)
      for (const build of builds) await round(build, stopped, next, options.stopCpuMs);
    const results = builds.map(summary);
    console.table(results.map(({ billedMs: _, ...rest }) => rest));
    await writeLabelledResult(
      RESULTS,
      {
        benchmark: 'stopped-runs',
        notes: `local backend, one function process; ${options.model}, batch ${BATCH}, ${INTRA_OP_THREADS} intra-op threads; each round cancels a two-batch invocation once its function spent ${options.stopCpuMs} ms of CPU, then runs a one-batch follow-up: follow-ups that loaded the model, in a new process, and their medians`,
      },
      options.label,
      {
        date: new Date().toISOString(),
        rounds: options.rounds,
        model: options.model,
        stopCpuMs: options.stopCpuMs,
        machine: await machineReport(loadBefore),
        builds: results,
      },
    );
  } finally {
    await Promise.all(builds.map((b) => b.backend.close()));
    await fs.rm(dir, { recursive: true, force: true });
  }
}

await main();
