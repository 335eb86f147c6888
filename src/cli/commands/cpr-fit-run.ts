/** The work of `obifaas cpr fit`: read samples, fit, write the model and its plot, report. */
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pricePerSecondUsd, resolvePrices, type Arch } from '../../core/pricing.js';
import { messageOf, UserError } from '../../errors.js';
import { fitCprModel } from '../../planning/cpr-fit.js';
import type { CprModel } from '../../planning/cpr-model.js';
import { parseCprSamples, SAMPLES_FILE, type CprSample } from '../../planning/cpr-records.js';
import { cprCurvesPlot } from '../../report/plots/cpr-curves.js';
import { runCommand } from '../runner.js';

/** Flags of `obifaas cpr fit`, as commander parses them. */
export interface CprFitFlags {
  out?: string;
  plot?: string;
  memory?: number;
  pricePerSecond?: number;
  arch: Arch;
  folds: number;
  seed: number;
  json?: boolean;
}

/** What `cpr fit --json` prints. */
export interface CprFitReport {
  samplesFile: string;
  modelFile: string;
  plotFile: string;
  model: CprModel;
}

/** Reads the samples of DIR (or of a samples file). */
export async function readSamples(dirOrFile: string): Promise<{ file: string; samples: CprSample[] }> {
  let file = dirOrFile;
  try {
    if ((await stat(dirOrFile)).isDirectory()) file = path.join(dirOrFile, SAMPLES_FILE);
  } catch {
    throw new UserError(
      `no such folder or file: '${dirOrFile}' (run \`obifaas cpr sample --out ${dirOrFile}\` first)`,
    );
  }
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
    throw new UserError(
      `cannot read '${file}'${missing ? `: no ${SAMPLES_FILE} there (run \`obifaas cpr sample\` first)` : `: ${messageOf(err)}`}`,
    );
  }
  return { file, samples: parseCprSamples(text, file) };
}

function selectMemory(samples: CprSample[], file: string, memory: number | undefined): CprSample[] {
  const memories = [...new Set(samples.map((s) => s.memoryMb))].sort((a, b) => a - b);
  if (memory !== undefined) {
    const chosen = samples.filter((s) => s.memoryMb === memory);
    if (chosen.length === 0)
      throw new UserError(
        `--memory: no sample at ${memory} MB in ${file} (it has ${memories.join(', ')} MB)`,
      );
    return chosen;
  }
  if (memories.length > 1)
    throw new UserError(`${file} mixes samples at ${memories.join(', ')} MB: choose one with --memory`);
  return samples;
}

/** Fits and writes; returns what was done. */
export async function fitFromDir(dir: string, flags: CprFitFlags): Promise<CprFitReport> {
  const { file, samples: all } = await readSamples(dir);
  if (all.length === 0)
    throw new UserError(`${file} has no samples: cannot fit a CPR model (run \`obifaas cpr sample\` first)`);
  const samples = selectMemory(all, file, flags.memory);
  const memoryMb = samples[0]!.memoryMb;
  const price = flags.pricePerSecond ?? pricePerSecondUsd(resolvePrices({ arch: flags.arch }), memoryMb);
  const model = fitCprModel(samples, { pricePerSecondUsd: price, folds: flags.folds, seed: flags.seed });
  const baseDir = file === dir ? path.dirname(file) : dir;
  const modelFile = flags.out ?? path.join(baseDir, 'cpr-model.json');
  const plotFile = flags.plot ?? path.join(path.dirname(modelFile), 'cpr-fit.svg');
  for (const f of [modelFile, plotFile]) await mkdir(path.dirname(path.resolve(f)), { recursive: true });
  await writeFile(modelFile, `${JSON.stringify(model, null, 2)}\n`);
  await writeFile(plotFile, cprCurvesPlot(model, samples, { pricePerSecondUsd: price }));
  return { samplesFile: file, modelFile, plotFile, model };
}

const pct = (v: number | null): string =>
  v === null ? 'n/a (too few samples)' : `${(v * 100).toFixed(1)} %`;
const num = (v: number): string => v.toFixed(5).padStart(9);

/** The human-readable table of a fit. */
export function formatFitReport(report: CprFitReport): string {
  const { model } = report;
  const fit = model.fit!;
  const latency = model.latency!;
  return [
    `samples      ${fit.samples} from ${report.samplesFile} (images ${fit.images[0]}..${fit.images[1]}, workers ${fit.workers[0]}..${fit.workers[1]}, ${model.memoryMb} MB)`,
    `price        ${model.pricePerSecondUsd!.toExponential(4)} $ per function-second`,
    '',
    'seconds(w, n) = exp(b2 ln n + b1 ln w + b3) + exp(a1 ln w + a0)',
    `  init       a0 = ${num(model.init.a0)}   a1 = ${num(model.init.a1)}`,
    `  compute    b1 = ${num(model.compute.b1)}   b2 = ${num(model.compute.b2)}   b3 = ${num(model.compute.b3)}`,
    'latency(w, n) = c0 + c1 seconds(w, n) / w + c2 w',
    `  latency    c0 = ${num(latency.c0)}   c1 = ${num(latency.c1)}   c2 = ${num(latency.c2)}`,
    '',
    `held-out error (${fit.method} cross-validation, ${fit.heldOut} predictions)`,
    `  CPR            MAPE ${pct(fit.mapeCpr)}`,
    `  latency        MAPE ${pct(fit.mapeLatency)}`,
    `  ln(seconds)    RMSE ${fit.rmseLogSeconds === null ? 'n/a' : fit.rmseLogSeconds.toFixed(3)}`,
    '',
    `wrote        ${report.modelFile}`,
    `             ${report.plotFile}`,
  ].join('\n');
}

/** Runs `obifaas cpr fit`. */
export async function runCprFit(dir: string, flags: CprFitFlags): Promise<void> {
  await runCommand({ json: flags.json === true, render: formatFitReport }, async () => ({
    value: await fitFromDir(dir, flags),
  }));
}
