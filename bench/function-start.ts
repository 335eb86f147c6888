/**
 * Function start-up benchmark: how long a new function process takes before it can run a
 * payload, and what it loads on the way, from the compiled code (`dist/`; `--dist A,B` measures
 * several builds, such as a copy of an earlier one, in turn in every round).
 *
 * Each entry runs a static payload (one image, batch 1, `--model`, default resnet50); spawn to
 * ready, and spawn to its first prediction:
 * - child: the local backend's function process (`worker/entry/child.js`, forked with an IPC
 *   channel as the backend forks it): ready is its `ready` message;
 * - http: a process that imports the HTTP function server and starts it (ready: listening),
 *   then posts the payload to `/invoke`;
 * - lambda: a process that imports the Lambda handler module (`obifaas/lambda`; ready:
 *   imported, Lambda's init phase without the runtime's own start), then calls the handler;
 * - lambda-bundle: the same, from the handler as the function package bundles it (esbuild,
 *   `bench/bundled-handler.ts`), with the bundle's size (`bytesAtInit`: what Node loads at init).
 *
 * `importMs` is the entry's import alone (ms, inside the process). One more run of each entry
 * with a module loader hook records what it loaded up to its first prediction: ES modules
 * (from the hook) and CommonJS modules (the `require` cache), counted by package. Rounds are
 * interleaved; medians reported, and each build's `ratiosToFirst`: the median over rounds of its
 * time over the first build's in the same round.
 * Results merge into bench/results/function-start.json under `--label` (default `current`).
 *
 *   npm run bench:function-start [-- --rounds 5 --dist dist-before,dist --model resnet50 --label NAME]
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { generateDataset } from '../src/dataset/generate.js';
import { ensureBuiltinModel, isBuiltinModelName, type BuiltinModelName } from '../src/models/cache.js';
import { writeLabelledResult } from './labelled-results.js';
import { oneImageRun } from './one-image-payload.js';
import { writeBundledHandler, type BundledHandler } from './bundled-handler.js';
import { machineReport, median } from './machine.js';
import { countModules, pairedRatios } from './start-runs.js';
import { childRun, probeRun, PROBE, type Run } from './start-processes.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '..');
const RESULTS = path.join(here, 'results', 'function-start.json');

interface Options {
  rounds: number;
  /** Folders of compiled code, measured in turn in every round. */
  dists: string[];
  model: BuiltinModelName;
  label: string;
}

function parseArgs(argv: string[]): Options {
  const options: Options = { rounds: 5, dists: ['dist'], model: 'resnet50', label: 'current' };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1] ?? ''];
    if (flag === '--rounds') options.rounds = Number(value);
    else if (flag === '--dist') options.dists = value.split(',');
    else if (flag === '--label') options.label = value;
    else if (flag === '--model') {
      if (!isBuiltinModelName(value)) throw new Error(`unknown builtin model '${value}'`);
      options.model = value;
    } else
      throw new Error(`unknown flag ${flag} (use --rounds N, --dist DIR[,DIR], --model NAME, --label NAME)`);
  }
  if (!Number.isInteger(options.rounds) || options.rounds < 1)
    throw new Error('--rounds must be a whole number ≥ 1');
  return options;
}

/** Registered with `--import`: logs every module the process loads to $FUNCTION_START_MODULES. */
const REGISTER_HOOK = `
import fs from 'node:fs';
import { createRequire, register } from 'node:module';
register(new URL('./module-hook.mjs', import.meta.url));
const log = process.env.FUNCTION_START_MODULES;
const cache = createRequire(import.meta.url).cache;
process.on('exit', () => fs.appendFileSync(log, Object.keys(cache).map((f) => 'file://' + f + '\\n').join('')));
`;
const MODULE_HOOK = `
import fs from 'node:fs';
export async function load(url, context, next) {
  fs.appendFileSync(process.env.FUNCTION_START_MODULES, url + '\\n');
  return next(url, context);
}
`;

const round = (x: number): number => Math.round(x);

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'obifaas-bench-start-'));
  try {
    const probe = path.join(dir, 'probe.mjs');
    await fs.writeFile(probe, PROBE);
    await fs.writeFile(path.join(dir, 'register.mjs'), REGISTER_HOOK);
    await fs.writeFile(path.join(dir, 'module-hook.mjs'), MODULE_HOOK);
    const modelFile = await ensureBuiltinModel(options.model);
    const data = await generateDataset({ count: 1, outDir: path.join(dir, 'images'), seed: 3 });
    const { payload, access } = oneImageRun(modelFile, data);
    const env = { ...process.env, ...access };
    type Start = (execArgv: string[], e: NodeJS.ProcessEnv) => Promise<Run>;
    const entriesOf = (dist: string, bundled: BundledHandler): Record<string, Start> => ({
      child: (execArgv, e) => childRun(path.join(dist, 'worker', 'entry', 'child.js'), e, payload, execArgv),
      http: (execArgv, e) =>
        probeRun(probe, 'http', path.join(dist, 'worker', 'entry', 'http-server.js'), execArgv, e, payload),
      lambda: (execArgv, e) =>
        probeRun(probe, 'lambda', path.join(dist, 'worker', 'entry', 'lambda.js'), execArgv, e, payload),
      'lambda-bundle': (execArgv, e) =>
        probeRun(
          probe,
          'lambda',
          path.join(bundled.dist, 'worker', 'entry', 'lambda.js'),
          execArgv,
          e,
          payload,
        ),
    });
    const builds: { name: string; bundled: BundledHandler; entries: Record<string, Start> }[] = [];
    for (const [i, d] of options.dists.entries()) {
      const dist = path.resolve(repoRoot, d);
      const bundled = await writeBundledHandler(repoRoot, dist, path.join(dir, `bundle-${i}`));
      builds.push({ name: d, bundled, entries: entriesOf(dist, bundled) });
    }
    const loadBefore = os.loadavg();
    const runs = new Map<string, Run[]>();
    const key = (build: string, entry: string): string => `${build} ${entry}`;
    for (const b of builds) for (const start of Object.values(b.entries)) await start([], env); // page cache
    for (let r = 0; r < options.rounds; r++) {
      for (const b of builds) {
        for (const [name, start] of Object.entries(b.entries)) {
          const run = await start([], env);
          runs.set(key(b.name, name), [...(runs.get(key(b.name, name)) ?? []), run]);
        }
      }
    }
    const register = pathToFileURL(path.join(dir, 'register.mjs')).href;
    const byBuild: Record<string, Record<string, Record<string, unknown>>> = {};
    for (const b of builds) {
      const summary: Record<string, Record<string, unknown>> = {};
      for (const [name, start] of Object.entries(b.entries)) {
        const log = path.join(dir, `${b.name.replaceAll('/', '_')}-${name}.modules`);
        await start(['--import', register], { ...env, FUNCTION_START_MODULES: log });
        const rs = runs.get(key(b.name, name)) ?? [];
        const field = (k: keyof Run): number | undefined => {
          const xs = rs.map((x) => x[k]).filter((x): x is number => x !== undefined);
          return xs.length > 0 ? round(median(xs)) : undefined;
        };
        summary[name] = {
          spawnToReadyMs: field('readyMs'),
          importMs: field('importMs'),
          spawnToFirstPredictionMs: field('firstPredictionMs'),
          modulesLoaded: countModules((await fs.readFile(log, 'utf8')).split('\n')),
          ...(name === 'lambda-bundle'
            ? { bytesAtInit: b.bundled.bytesAtInit, bytesInAll: b.bundled.bytesInAll }
            : {}),
          ...(b === builds[0]
            ? {}
            : { ratiosToFirst: pairedRatios(rs, runs.get(key(builds[0]?.name ?? '', name)) ?? []) }),
          all: rs.map((x) => Object.fromEntries(Object.entries(x).map(([k, v]) => [k, round(v)]))),
        };
      }
      byBuild[b.name] = summary;
    }
    const result = {
      date: new Date().toISOString(),
      model: options.model,
      rounds: options.rounds,
      machine: await machineReport(loadBefore),
      builds: byBuild,
    };
    await writeLabelledResult(
      RESULTS,
      {
        benchmark: 'function-start',
        notes:
          "A new function process from the compiled code: spawn to ready (child: its ready message; http: listening; lambda and lambda-bundle, the handler as the package bundles it: handler module imported), the entry import alone, and spawn to the first prediction of a one-image static payload (child: invoke message; http: POST /invoke; lambda: the handler). Medians of interleaved rounds; ratiosToFirst: median over rounds of a build's time over the first build's in the same round; modulesLoaded (up to the first prediction) from one more run with a loader hook; bytesAtInit: the handler bundle and the chunks it loads at init.",
      },
      options.label,
      result,
    );
    for (const [build, summary] of Object.entries(byBuild)) {
      for (const [name, s] of Object.entries(summary)) {
        const m = s.modulesLoaded as ReturnType<typeof countModules>;
        const first = s.spawnToFirstPredictionMs;
        console.log(
          `${build} ${name}: spawn to ready ${String(s.spawnToReadyMs)} ms, import ${String(s.importMs ?? '-')} ms` +
            (first === undefined ? '' : `, first prediction ${String(first)} ms`) +
            (s.ratiosToFirst ? ` (x first build: ${JSON.stringify(s.ratiosToFirst)})` : '') +
            (s.bytesAtInit === undefined ? '' : `, ${String(s.bytesAtInit)} bytes at init`) +
            `; ${m.files} modules (${Object.entries(m.byPackage)
              .map(([p, n]) => `${p} ${n}`)
              .join(', ')})`,
        );
      }
    }
    console.log(
      `CPU: ${result.machine.cpuModel} x${result.machine.cpus}, load ${result.machine.loadAverageBefore.join(' ')} -> ${result.machine.loadAverageAfter.join(' ')}`,
    );
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

await main();
