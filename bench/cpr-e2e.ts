/**
 * CPR end to end on the local backend with the tiny model: `cpr sample` on a plan, `cpr fit`,
 * `plan` for a CPR target, then the planned job run for real several times; each run's CPR
 * (from its job.json) is compared with the prediction. Writes bench/results/cpr-e2e.json.
 *
 * The local backend's cost is mostly cold starts (process start and model load), which the
 * load of the machine stretches: on a busy shared machine, compare the median error of the
 * repeated runs, not one run.
 *
 *   npx tsx bench/cpr-e2e.ts [-- --max-images 96 --batch-size 8 --concurrency 2 --linear 8 --log 6 --seed 4 --repeats 5]
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { repoRoot, runCprEndToEnd, type CprEndToEndOptions } from '../test/support/cpr-e2e.js';

function parseArgs(argv: string[]): Omit<CprEndToEndOptions, 'dir'> {
  const o = { maxImages: 96, batchSize: 8, concurrency: 2, linear: 8, log: 6, seed: 4, repeats: 5 };
  const flags: Record<string, keyof typeof o> = {
    '--max-images': 'maxImages',
    '--batch-size': 'batchSize',
    '--concurrency': 'concurrency',
    '--linear': 'linear',
    '--log': 'log',
    '--seed': 'seed',
    '--repeats': 'repeats',
  };
  for (let i = 0; i < argv.length; i += 2) {
    const key = flags[argv[i] ?? ''];
    const value = Number(argv[i + 1]);
    if (!key || !Number.isInteger(value) || value < 0)
      throw new Error(`bad argument ${argv[i]} ${argv[i + 1]} (flags: ${Object.keys(flags).join(', ')})`);
    o[key] = value;
  }
  return o;
}

const options = parseArgs(process.argv.slice(2).filter((a) => a !== '--'));
const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'obifaas-bench-cpr-'));
const started = Date.now();
try {
  const result = await runCprEndToEnd({ ...options, dir });
  const report = {
    date: new Date().toISOString(),
    machine: { cores: os.availableParallelism(), loadAverage: os.loadavg() },
    options,
    seconds: (Date.now() - started) / 1000,
    ...result,
    fit: { mapeCpr: result.fit.mapeCpr, heldOut: result.fit.heldOut, coefficients: result.fit.model },
  };
  const out = path.join(repoRoot, 'bench', 'results', 'cpr-e2e.json');
  await fs.mkdir(path.dirname(out), { recursive: true });
  await fs.writeFile(out, `${JSON.stringify(report, null, 2)}\n`);
  const pct = (v: number): string => `${(v * 100).toFixed(1)} %`;
  console.log(
    `samples ${result.samples} in ${result.samplingSeconds.toFixed(0)} s (load ${result.samplingLoadAverage.toFixed(1)}); fit held-out CPR MAPE ${result.fit.mapeCpr === null ? 'n/a' : pct(result.fit.mapeCpr)}`,
  );
  console.log(
    `plan: ${result.plan.workers} workers for ${options.maxImages} images, predicted $${result.plan.predictedCprPerMillion.toFixed(3)} per million (target $${result.targetCprPerMillion.toFixed(3)})`,
  );
  for (const r of result.runs)
    console.log(
      `  run: $${r.measuredCprPerMillion.toFixed(3)} per million, error ${pct(r.relativeError)} (load ${r.loadAverage.toFixed(1)})`,
    );
  console.log(`median |error| ${pct(result.medianRelativeError)}; wrote ${out}`);
} finally {
  await fs.rm(dir, { recursive: true, force: true });
}
