/**
 * Worker benchmark: ResNet50 on 256 generated JPEGs, one worker on this machine.
 *
 * - model-only: `session.run` on ready tensors (same thread settings as the worker);
 * - end-to-end: `handle()` from JPEG bytes in a local store to predictions;
 *   both timed after one untimed pass over the same images (a warm function);
 * - cold start: a new process, from spawn to its first prediction.
 *
 * For batch 1, 8 and 32 with the float32 model, and for batch 32 with its int8 version too
 * (`model build resnet50 --int8`), in interleaved rounds. Writes bench/results/worker.json and
 * prints a table. Other work on the machine makes the numbers noisy: compare the ratios within
 * one run. `int8Speedup` is int8 end-to-end images/s over float32 end-to-end images/s.
 *
 *   npm run bench:worker [-- --images 256 --rounds 3 --batches 1,8,32 --int8-batches 32]
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ort from 'onnxruntime-node';
import sharp from 'sharp';
import { generateDataset } from '../src/dataset/generate.js';
import { readManifest } from '../src/dataset/manifest.js';
import { ensureBuiltinModel } from '../src/models/cache.js';
import { ensureInt8BuiltinModel } from '../src/quantize/builtin.js';
import { u8s8Saturates } from '../src/worker/int8-probe.js';
import { obifaasHome } from '../src/util/paths.js';
import { defaultPipelineConfig } from '../src/worker/defaults.js';
import { handle } from '../src/worker/handler.js';
import { noAccess } from '../src/protocol/function-access.js';
import { closeInferencePools } from '../src/worker/inference-pools.js';
import { preprocessImage } from '../src/worker/preprocess.js';
import { createModelSession, runBatch } from '../src/worker/session.js';
import type { PipelineConfig, WorkerPayload, WorkerResult } from '../src/protocol/invocation.js';
import { cpuInfo, machineReport, median } from './machine.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '..');

interface Options {
  images: number;
  rounds: number;
  batches: number[];
  int8Batches: number[];
}

function parseArgs(argv: string[]): Options {
  const options: Options = { images: 256, rounds: 3, batches: [1, 8, 32], int8Batches: [32] };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1] ?? ''];
    if (flag === '--images') options.images = Number(value);
    else if (flag === '--rounds') options.rounds = Number(value);
    else if (flag === '--batches') options.batches = value.split(',').map(Number);
    else if (flag === '--int8-batches')
      options.int8Batches = value === '' ? [] : value.split(',').map(Number);
    else
      throw new Error(
        `unknown flag ${flag} (use --images N, --rounds N, --batches 1,8,32, --int8-batches 32)`,
      );
  }
  return options;
}

/** The CPU's feature flags (Linux), and whether uint8 x int8 products saturate on it. */
async function cpuFlags(): Promise<{ flags: string[]; int8: string[] }> {
  const { flags } = await cpuInfo();
  return {
    flags,
    int8: flags.filter((f) => /^(avx2|avx512f|avx512bw|avx512_vnni|avx_vnni|amx_int8|avx512_bf16)$/.test(f)),
  };
}

function payloadFor(model: string, root: string, keys: string[], pipeline: PipelineConfig): WorkerPayload {
  return {
    kind: 'static',
    jobId: 'bench',
    workerId: 'bench-0',
    model: { uri: model },
    storage: { type: 'fs', root },
    pipeline,
    splits: [{ splitId: 'all', keys }],
  };
}

function pipelineFor(batchSize: number): PipelineConfig {
  const config = defaultPipelineConfig();
  return { ...config, predict: { ...config.predict, batchSize } };
}

/**
 * Throughput by the wall clock, and CPU time per image (all threads of this process). The CPU
 * time hardly depends on other load on the machine, so `cpuMsPerImage` of model-only over that
 * of end-to-end is the ratio an otherwise idle machine would reach if the work packs perfectly.
 */
interface Rate {
  imagesPerSec: number;
  cpuMsPerImage: number;
}

function startMeter(): { stop(images: number): Rate } {
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  return {
    stop(images: number): Rate {
      const seconds = (performance.now() - t0) / 1000;
      const cpu = process.cpuUsage(cpu0);
      return { imagesPerSec: images / seconds, cpuMsPerImage: (cpu.user + cpu.system) / 1000 / images };
    },
  };
}

/** Images per second of `session.run` over ready tensors, in batches of `batchSize`. */
async function modelOnly(
  modelFile: string,
  tensors: Float32Array[],
  batchSize: number,
  config: PipelineConfig,
): Promise<Rate> {
  const model = await createModelSession(modelFile, {
    intraOpThreads: config.predict.intraOpThreads,
    interOpThreads: config.predict.interOpThreads,
  });
  const per = tensors[0]?.length ?? 0;
  const batches: Array<{ data: Float32Array; count: number }> = [];
  for (let start = 0; start < tensors.length; start += batchSize) {
    const slice = tensors.slice(start, start + batchSize);
    const data = new Float32Array(slice.length * per);
    slice.forEach((t, i) => data.set(t, i * per));
    batches.push({ data, count: slice.length });
  }
  // Warm, as a function that has served an invocation is: one untimed pass over every batch.
  for (const b of batches) await runBatch(model, b.data, b.count, [3, 224, 224]);
  const meter = startMeter();
  for (const b of batches) await runBatch(model, b.data, b.count, [3, 224, 224]);
  const rate = meter.stop(tensors.length);
  await model.session.release();
  return rate;
}

/**
 * Images per second of the whole worker (warm function), and where its time went. Every round
 * closes the inference pools, so every measurement first runs the same invocation untimed, as
 * model-only first runs every batch once. (With a single warm-up batch, the first full
 * end-to-end run was 5-8 % slower than the runs after it, in the inference threads' CPU.)
 */
async function endToEnd(
  modelFile: string,
  root: string,
  keys: string[],
  config: PipelineConfig,
): Promise<{ rate: Rate; result: WorkerResult }> {
  // Deployed like a real function: it may read the dataset and the model, nothing else.
  const deployment = { access: { ...noAccess(), readRoots: [root, modelFile] } };
  await handle(payloadFor(modelFile, root, keys, config), { deployment });
  const meter = startMeter();
  const result = await handle(payloadFor(modelFile, root, keys, config), { deployment });
  const rate = meter.stop(keys.length);
  // A function process holds one model: the next measurement starts without this one's threads.
  await closeInferencePools();
  const failed = result.splits.flatMap((s) => s.results).filter((r) => r.error);
  if (failed.length > 0) throw new Error(`${failed.length} inputs failed, first: ${failed[0]?.error}`);
  return { rate, result };
}

/** Spawns a new process that classifies one image and reports; measures spawn to first prediction. */
async function coldStart(
  modelFile: string,
  root: string,
  key: string,
  useDist: boolean,
): Promise<Record<string, number | string>> {
  const t0 = performance.now();
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      fileURLToPath(import.meta.url),
      '--cold-child',
      modelFile,
      root,
      key,
      useDist ? 'dist' : 'source',
    ],
    {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  if (code !== 0) throw new Error(`cold-start child exited with ${code}`);
  const report = JSON.parse(out.trim().split('\n').pop() ?? '{}') as {
    firstPredictionAt: number;
    startedAt: number;
    handlerReadyAt: number;
    modelLoadMs: number;
  };
  const wall = performance.now() - t0;
  return {
    mode: useDist ? 'compiled (dist)' : 'source (tsx)',
    spawnToFirstPredictionMs: Math.round(wall),
    // Node and tsx start, and this benchmark's own imports (ONNX Runtime, sharp, the dataset
    // generator, and from source the handler itself, so its handlerImportMs is near 0): not the
    // function's start. bench/function-start.ts times the function's own entries.
    processStartMs: Math.round(report.startedAt),
    handlerImportMs: Math.round(report.handlerReadyAt - report.startedAt),
    modelLoadMs: Math.round(report.modelLoadMs),
  };
}

/** The child side of {@link coldStart}. */
async function coldChild(modelFile: string, root: string, key: string, mode: string): Promise<void> {
  const startedAt = performance.now(); // ms since this process started
  const dist = path.join(repoRoot, 'dist', 'worker', 'handler.js');
  const module = (mode === 'dist' ? await import(dist) : await import('../src/worker/handler.js')) as {
    handle: typeof handle;
  };
  const handlerReadyAt = performance.now();
  const config = pipelineFor(1);
  const deployment = { access: { ...noAccess(), readRoots: [root, modelFile] } };
  const result = await module.handle(payloadFor(modelFile, root, [key], config), { deployment });
  const firstPredictionAt = performance.now();
  if (result.splits[0]?.results[0]?.error) throw new Error(result.splits[0].results[0].error);
  process.stdout.write(
    `${JSON.stringify({ startedAt, handlerReadyAt, firstPredictionAt, modelLoadMs: result.timings.modelLoadMs })}\n`,
  );
  process.exit(0);
}

async function exists(file: string): Promise<boolean> {
  return fs.stat(file).then(
    () => true,
    () => false,
  );
}

const round1 = (x: number): number => Math.round(x * 10) / 10;
const round3 = (x: number): number => Math.round(x * 1000) / 1000;

function rowOf(
  precision: 'float32' | 'int8',
  batchSize: number,
  model: Rate[],
  e2e: Rate[],
  last: WorkerResult | undefined,
): Record<string, unknown> {
  const [m, e] = [median(model.map((r) => r.imagesPerSec)), median(e2e.map((r) => r.imagesPerSec))];
  const [mCpu, eCpu] = [median(model.map((r) => r.cpuMsPerImage)), median(e2e.map((r) => r.cpuMsPerImage))];
  const row = {
    precision,
    batchSize,
    modelOnlyImagesPerSec: round1(m),
    endToEndImagesPerSec: round1(e),
    ratio: round3(median(e2e.map((x, i) => x.imagesPerSec / (model[i] as Rate).imagesPerSec))),
    modelOnlyCpuMsPerImage: round1(mCpu),
    endToEndCpuMsPerImage: round1(eCpu),
    cpuRatio: round3(mCpu / eCpu),
    // Share of the end-to-end wall time the inference thread spent in session.run: what the
    // pipeline lets it do, whatever else loads the machine.
    inferenceBusyShare: last ? round3(last.timings.stageBusyMs.predict / last.timings.wallMs) : null,
    stageBusyMs: last
      ? Object.fromEntries(Object.entries(last.timings.stageBusyMs).map(([k, v]) => [k, Math.round(v)]))
      : {},
    rounds: {
      modelOnly: model.map((r) => round1(r.imagesPerSec)),
      endToEnd: e2e.map((r) => round1(r.imagesPerSec)),
    },
  };
  console.log(
    `${precision} batch ${batchSize}: model-only ${row.modelOnlyImagesPerSec} img/s, end-to-end ${row.endToEndImagesPerSec} img/s, ` +
      `ratio ${row.ratio} (CPU ms/image ${row.modelOnlyCpuMsPerImage} vs ${row.endToEndCpuMsPerImage}, ratio ${row.cpuRatio}; ` +
      `inference busy ${row.inferenceBusyShare} of the time)`,
  );
  return row;
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const loadBefore = os.loadavg();
  const modelFile = await ensureBuiltinModel('resnet50');
  const dataDir = path.join(obifaasHome(), 'bench', `worker-dataset-seed1-${options.images}`);
  if (!(await exists(path.join(dataDir, 'manifest.txt')))) {
    console.log(`generating ${options.images} images in ${dataDir} ...`);
    await generateDataset({ count: options.images, outDir: dataDir, seed: 1 });
  }
  const keys = await readManifest(path.join(dataDir, 'manifest.txt'));
  const tensors = await Promise.all(
    keys.map(async (k) =>
      preprocessImage(await fs.readFile(path.join(dataDir, k)), { height: 224, width: 224 }),
    ),
  );

  const int8File = options.int8Batches.length > 0 ? await ensureInt8BuiltinModel('resnet50') : null;
  const rows: Array<Record<string, unknown>> = [];
  const speedups: number[] = [];
  for (const batchSize of options.batches) {
    const config = pipelineFor(batchSize);
    const models: Array<{ precision: 'float32' | 'int8'; file: string }> = [
      { precision: 'float32', file: modelFile },
    ];
    if (int8File && options.int8Batches.includes(batchSize))
      models.push({ precision: 'int8', file: int8File });
    const runs = models.map(() => ({
      model: [] as Rate[],
      e2e: [] as Rate[],
      last: undefined as WorkerResult | undefined,
    }));
    // Rounds rotate the order of the measurements, so that drifting load on the machine favours
    // none of them; ratios are medians of the rounds' ratios.
    for (let r = 0; r < options.rounds; r++) {
      const steps = models.flatMap((m, i) => [
        async (): Promise<void> => {
          (runs[i] as (typeof runs)[number]).model.push(await modelOnly(m.file, tensors, batchSize, config));
        },
        async (): Promise<void> => {
          const run = await endToEnd(m.file, dataDir, keys, config);
          (runs[i] as (typeof runs)[number]).e2e.push(run.rate);
          (runs[i] as (typeof runs)[number]).last = run.result;
        },
      ]);
      const shift = r % steps.length;
      for (const step of [...steps.slice(shift), ...steps.slice(0, shift)]) await step();
      await closeInferencePools();
    }
    models.forEach((m, i) => {
      const { model, e2e, last } = runs[i] as (typeof runs)[number];
      rows.push(rowOf(m.precision, batchSize, model, e2e, last));
    });
    if (runs.length === 2) {
      const [f, q] = runs as [(typeof runs)[number], (typeof runs)[number]];
      q.e2e.forEach((x, k) => speedups.push(x.imagesPerSec / (f.e2e[k] as Rate).imagesPerSec));
    }
  }

  const cold: Array<Record<string, number | string>> = [];
  cold.push(await coldStart(modelFile, dataDir, keys[0] as string, false));
  if (await exists(path.join(repoRoot, 'dist', 'worker', 'handler.js')))
    cold.push(await coldStart(modelFile, dataDir, keys[0] as string, true));

  const at32 = rows.find((r) => r.batchSize === 32 && r.precision === 'float32');
  const int8At32 = rows.find((r) => r.batchSize === 32 && r.precision === 'int8');
  const cpu = await cpuFlags();
  const report = {
    benchmark: 'worker',
    date: new Date().toISOString(),
    machine: {
      ...(await machineReport(loadBefore)),
      onnxruntime: ort.env.versions.common,
      sharp: sharp.versions.sharp,
      cpuFlags: cpu.flags,
      int8Flags: cpu.int8,
      u8s8Saturates: await u8s8Saturates(),
    },
    model: 'resnet50',
    int8Model: int8File,
    images: keys.length,
    settings: defaultPipelineConfig(),
    ratio: at32 ? at32.ratio : null,
    int8Ratio: int8At32 ? int8At32.ratio : null,
    int8Speedup: speedups.length > 0 ? round3(median(speedups)) : null,
    batches: rows,
    coldStart: cold,
  };
  await fs.mkdir(path.join(here, 'results'), { recursive: true });
  await fs.writeFile(path.join(here, 'results', 'worker.json'), `${JSON.stringify(report, null, 2)}\n`);

  console.log(
    `\nResNet50, ${keys.length} images, ${report.machine.cpus} CPUs (load average ${report.machine.loadAverageBefore.join(' ')})`,
  );
  console.log(
    'precision | batch | model-only img/s | end-to-end img/s | ratio | CPU ms/img model-only | end-to-end | CPU ratio',
  );
  for (const r of rows) {
    const cells = [
      r.precision,
      r.batchSize,
      r.modelOnlyImagesPerSec,
      r.endToEndImagesPerSec,
      r.ratio,
      r.modelOnlyCpuMsPerImage,
      r.endToEndCpuMsPerImage,
      r.cpuRatio,
    ];
    const widths = [9, 5, 16, 16, 5, 21, 10, 9];
    console.log(cells.map((c, i) => String(c).padStart(widths[i] as number)).join(' | '));
  }
  for (const c of cold)
    console.log(
      `cold start, ${c.mode}: ${c.spawnToFirstPredictionMs} ms to first prediction (handler import ${c.handlerImportMs} ms, model load ${c.modelLoadMs} ms)`,
    );
  console.log(
    `ratio at batch 32: float32 ${report.ratio}, int8 ${report.int8Ratio}; int8 speedup end to end ${report.int8Speedup} ` +
      `(int8 flags: ${cpu.int8.join(' ')}); written to bench/results/worker.json`,
  );
}

if (process.argv[2] === '--cold-child') {
  const [, , , modelFile, root, key, mode] = process.argv;
  await coldChild(modelFile as string, root as string, key as string, mode as string);
} else {
  await main();
}
