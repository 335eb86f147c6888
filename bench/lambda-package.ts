/**
 * Lambda package benchmark: builds the function package from `dist/`, reports its zipped
 * and unzipped size, unpacks it into a temporary folder (no repository node_modules above it)
 * and measures cold starts: a new Node process that imports the package's handler (Lambda's
 * init phase) and classifies one image from a filesystem store, from spawn to its first
 * prediction. For the tiny model and ResNet50, `--runs` times each (median and min reported).
 *
 * Results are merged into bench/results/lambda-package.json under `--label` (default
 * `current`), so a run before and a run after a packaging change sit side by side. What each
 * label ran (`labels`) and how the runs were made (`conditions`) are written there by hand and
 * kept (`labelled-results.ts`).
 *
 * `--dist DIR` packages that compiled code instead of `dist/` (a copy of an earlier build, to
 * compare against). `--arch arm64` builds the arm64 package (default x86_64), with
 * `--platform-packages DIR` as `obifaas package` takes it; a package for another CPU than this
 * machine's is measured for size only (an emulated cold start says nothing of the real CPU).
 *
 *   npm run bench:lambda-package [-- --label after --runs 5 --models tiny,resnet50 --dist DIR]
 *   npm run bench:lambda-package [-- --label arm64 --arch arm64 --platform-packages .cache/arm64]
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { generateDataset } from '../src/dataset/generate.js';
import { ensureBuiltinModel, isBuiltinModelName, type BuiltinModelName } from '../src/models/cache.js';
import { buildFunctionPackage, targetOf, type LambdaArch } from '../src/package/build-package.js';
import { compiledDist } from '../test/support/compiled-dist.js';
import { unzip } from '../test/support/unzip.js';
import { writeLabelledResult } from './labelled-results.js';
import { machineReport } from './machine.js';
import { oneImageRun } from './one-image-payload.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const RESULTS = path.join(here, 'results', 'lambda-package.json');

interface Options {
  label: string;
  runs: number;
  models: BuiltinModelName[];
  /** Compiled code to package; default `dist/` (compiled afresh when older than `src/`). */
  dist?: string;
  arch: LambdaArch;
  platformPackages?: string;
}

function parseArgs(argv: string[]): Options {
  const options: Options = { label: 'current', runs: 5, models: ['tiny', 'resnet50'], arch: 'x86_64' };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1] ?? ''];
    if (flag === '--label') options.label = value;
    else if (flag === '--dist') options.dist = path.resolve(value);
    else if (flag === '--runs') options.runs = Number(value);
    else if (flag === '--arch') {
      if (value !== 'x86_64' && value !== 'arm64') throw new Error(`--arch: x86_64 or arm64, not '${value}'`);
      options.arch = value;
    } else if (flag === '--platform-packages') options.platformPackages = path.resolve(value);
    else if (flag === '--models') {
      options.models = value.split(',').map((name) => {
        if (!isBuiltinModelName(name)) throw new Error(`unknown builtin model '${name}'`);
        return name;
      });
    } else
      throw new Error(
        `unknown flag ${flag} (use --label NAME, --runs N, --models tiny,resnet50, --dist DIR, --arch ARCH, --platform-packages DIR)`,
      );
  }
  if (!Number.isInteger(options.runs) || options.runs < 1)
    throw new Error('--runs must be a whole number ≥ 1');
  return options;
}

/** The child: imports the handler, runs one static payload, prints its timings (ms since process start). */
const CHILD = `
const [handlerFile, payloadJson] = process.argv.slice(2);
const { handler } = await import(handlerFile);
const initMs = performance.now();
const result = await handler(JSON.parse(payloadJson), { getRemainingTimeInMillis: () => 600000 });
const firstPredictionMs = performance.now();
const first = result.splits?.[0]?.results?.[0];
if (!first || first.error !== null || !Array.isArray(first.top)) {
  process.stderr.write('no prediction: ' + JSON.stringify(result).slice(0, 500) + '\\n');
  process.exit(1);
}
process.stdout.write(JSON.stringify({ initMs, firstPredictionMs }));
process.exit(0);
`;

interface ColdRun {
  spawnToFirstPredictionMs: number;
  initMs: number;
  firstPredictionMs: number;
}

async function coldStart(
  unpacked: string,
  childFile: string,
  payload: object,
  access: Record<string, string>,
): Promise<ColdRun> {
  const handlerUrl = pathToFileURL(path.join(unpacked, 'index.mjs')).href;
  const t0 = performance.now();
  const child = spawn(process.execPath, [childFile, handlerUrl, JSON.stringify(payload)], {
    cwd: unpacked,
    env: { PATH: process.env.PATH ?? '', HOME: os.tmpdir(), ...access },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  const wall = performance.now() - t0;
  if (code !== 0) throw new Error(`cold-start child exited with ${code}: ${stderr.trim()}`);
  const timings = JSON.parse(stdout) as { initMs: number; firstPredictionMs: number };
  return {
    spawnToFirstPredictionMs: Math.round(wall),
    initMs: Math.round(timings.initMs),
    firstPredictionMs: Math.round(timings.firstPredictionMs),
  };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : Math.round((s[mid - 1]! + s[mid]!) / 2);
};

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'obifaas-bench-package-'));
  try {
    const dist = options.dist ? { dir: options.dist } : await compiledDist(dir);
    const started = performance.now();
    const report = await buildFunctionPackage({
      arch: options.arch,
      out: path.join(dir, 'function.zip'),
      distDir: dist.dir,
      ...(options.platformPackages ? { platformPackages: options.platformPackages } : {}),
    });
    const buildMs = Math.round(performance.now() - started);
    const unpacked = path.join(dir, 'unpacked');
    await unzip(report.file, unpacked);
    const data = await generateDataset({ count: 1, outDir: path.join(dir, 'images'), seed: 3 });
    const childFile = path.join(dir, 'cold-start.mjs');
    await fs.writeFile(childFile, CHILD);
    const loadBefore = os.loadavg();
    const cold: Array<Record<string, unknown>> = [];
    const runsHere = targetOf(options.arch).cpu === process.arch;
    for (const model of runsHere ? options.models : []) {
      // The function's deployment lets it read the images and the model, as `obifaas deploy` would.
      const { payload, access } = oneImageRun(await ensureBuiltinModel(model), data);
      await coldStart(unpacked, childFile, payload, access); // warms the page cache, not counted
      const runs: ColdRun[] = [];
      for (let i = 0; i < options.runs; i++) runs.push(await coldStart(unpacked, childFile, payload, access));
      const field = (k: keyof ColdRun): { median: number; min: number } => ({
        median: median(runs.map((r) => r[k])),
        min: Math.min(...runs.map((r) => r[k])),
      });
      cold.push({
        model,
        runs: runs.length,
        spawnToFirstPredictionMs: field('spawnToFirstPredictionMs'),
        handlerImportMs: field('initMs'),
        all: runs,
      });
    }
    const result = {
      date: new Date().toISOString(),
      machine: await machineReport(loadBefore),
      package: {
        arch: report.arch,
        zipBytes: report.zipBytes,
        unzippedBytes: report.unzippedBytes,
        zipMiB: Math.round((report.zipBytes / 2 ** 20) * 10) / 10,
        unzippedMiB: Math.round((report.unzippedBytes / 2 ** 20) * 10) / 10,
        files: report.files,
        packages: report.packages.length,
        buildMs,
      },
      coldStart: cold,
      ...(runsHere ? {} : { coldStartNotMeasured: `a ${options.arch} package on a ${process.arch} machine` }),
    };
    await writeLabelledResult(
      RESULTS,
      {
        benchmark: 'lambda-package',
        notes:
          'Cold start: new Node process importing the unzipped package handler and classifying one image (batch 1, 2 intra-op threads), spawn to first prediction; handlerImportMs is the init phase (ms since process start).',
      },
      options.label,
      result,
    );
    console.log(
      `package ${report.arch} (${options.label}): ${result.package.zipMiB} MiB zipped, ${result.package.unzippedMiB} MiB unzipped, ${report.files} files, built in ${buildMs} ms`,
    );
    for (const c of cold) {
      const s = c.spawnToFirstPredictionMs as { median: number; min: number };
      const i = c.handlerImportMs as { median: number; min: number };
      console.log(
        `cold start ${String(c.model)}: ${s.median} ms median (min ${s.min}) spawn to first prediction; handler import ${i.median} ms`,
      );
    }
    console.log(
      `CPU: ${result.machine.cpuModel} x${result.machine.cpus}, load ${result.machine.loadAverageBefore.join(' ')}`,
    );
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

await main();
