/** The work of `obifaas cpr fit`: read samples, fit, write the model and its plot, report. */
import { stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pricePerSecondUsd, resolvePrices, type Arch } from '../../core/pricing.js';
import { messageOf, UserError } from '../../errors.js';
import { fitCprModel } from '../../planning/cpr-fit.js';
import { REFERENCE_CPR_MODEL, type CprModel } from '../../planning/cpr-model.js';
import { SAMPLES_FILE, type CprSample } from '../../planning/cpr-records.js';
import {
  LAYOUT_NAMES,
  parseSampleFile,
  type SampleFile,
  type SampleLayout,
} from '../../planning/cpr-sample-file.js';
import { parsePrecisionList, PRECISIONS, type Precision } from '../../planning/precision.js';
import { cprCurvesPlot } from '../../report/plots/cpr-curves.js';
import { FileRefusal, readRegularFile } from '../../util/regular-file.js';
import { runCommand } from '../runner.js';
import { makeFolder } from '../../util/make-folder.js';
import { formatUsd } from '../../util/money.js';

/** Flags of `obifaas cpr fit`, as commander parses them. */
export interface CprFitFlags {
  out?: string;
  plot?: string;
  memory?: number;
  /** Fit only the samples of this precision. */
  precision?: string;
  pricePerSecond?: number;
  arch: Arch;
  folds: number;
  seed: number;
  json?: boolean;
}

/** One fitted model: of one precision when the samples recorded several. */
export interface FittedModel {
  precision: Precision | null;
  samples: number;
  modelFile: string;
  plotFile: string;
  model: CprModel;
}

/** What `cpr fit --json` prints. */
export interface CprFitReport {
  samplesFile: string;
  /** Which layout the file was read in. */
  layout: SampleLayout;
  /** Facts the reader assumed, or samples it left out. */
  notes: string[];
  fits: FittedModel[];
}

/** The file the reference's sampler writes, read when a folder has no samples.jsonl. */
export const REFERENCE_SAMPLES_FILE = 'summary.json';

async function isFile(file: string): Promise<boolean> {
  return stat(file).then(
    (s) => s.isFile(),
    () => false,
  );
}

/** The samples file of DIR (ours, else the reference's), or the file itself. */
async function samplesFileOf(dirOrFile: string): Promise<string> {
  let isDirectory: boolean;
  try {
    isDirectory = (await stat(dirOrFile)).isDirectory();
  } catch {
    throw new UserError(
      `no such folder or file: '${dirOrFile}' (run \`obifaas cpr sample --out ${dirOrFile}\` first)`,
    );
  }
  if (!isDirectory) return dirOrFile;
  const ours = path.join(dirOrFile, SAMPLES_FILE);
  const reference = path.join(dirOrFile, REFERENCE_SAMPLES_FILE);
  if (!(await isFile(ours)) && (await isFile(reference))) return reference;
  return ours;
}

/** Reads the samples of DIR (or of a samples file), in our layout or the reference's. */
export async function readSamples(
  dirOrFile: string,
  memoryMb?: number,
): Promise<{ file: string } & SampleFile> {
  const file = await samplesFileOf(dirOrFile);
  let text: string;
  try {
    // A regular file only: a FIFO would wait for a writer forever.
    text = (await readRegularFile(file, { what: 'samples file' })).toString('utf8');
  } catch (err) {
    const missing = err instanceof FileRefusal && err.reason === 'missing';
    const why = err instanceof FileRefusal ? `it ${err.detail}` : messageOf(err);
    throw new UserError(
      `cannot read '${file}'${missing ? `: no ${SAMPLES_FILE} (nor the reference's ${REFERENCE_SAMPLES_FILE}) there (run \`obifaas cpr sample\` first)` : `: ${why}`}`,
      { cause: err },
    );
  }
  const parsed = parseSampleFile(text, {
    source: file,
    memoryMb: memoryMb ?? REFERENCE_CPR_MODEL.memoryMb!,
    memoryGiven: memoryMb !== undefined,
  });
  return { file, ...parsed };
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

/** The samples of each precision (null: not recorded), in the order of PRECISIONS. */
function byPrecision(
  samples: CprSample[],
  file: string,
  wanted: Precision | undefined,
): Map<Precision | null, CprSample[]> {
  const groups = new Map<Precision | null, CprSample[]>();
  for (const key of [null, ...PRECISIONS]) {
    const group = samples.filter((s) => (s.precision ?? null) === key);
    if (group.length > 0 && (wanted === undefined || key === wanted)) groups.set(key, group);
  }
  if (groups.size === 0) throw new UserError(`--precision: no ${wanted} sample in ${file}`);
  return groups;
}

/** `cpr-model.json` -> `cpr-model-int8.json` when several precisions are fitted. */
function suffixed(file: string, precision: Precision | null, several: boolean): string {
  if (!several || precision === null) return file;
  const ext = path.extname(file);
  return `${file.slice(0, file.length - ext.length)}-${precision}${ext}`;
}

/** Fits and writes; returns what was done. */
export async function fitFromDir(dir: string, flags: CprFitFlags): Promise<CprFitReport> {
  const precisions = flags.precision === undefined ? [] : parsePrecisionList(flags.precision);
  if (precisions.length > 1)
    throw new UserError('--precision: give one precision to fit (without it, each precision is fitted)');
  const precision = precisions[0];
  const { file, samples: all, layout, notes } = await readSamples(dir, flags.memory);
  if (all.length === 0)
    throw new UserError(`${file} has no samples: cannot fit a CPR model (run \`obifaas cpr sample\` first)`);
  const samples = selectMemory(all, file, flags.memory);
  const memoryMb = samples[0]!.memoryMb;
  const price = flags.pricePerSecond ?? pricePerSecondUsd(resolvePrices({ arch: flags.arch }), memoryMb);
  const baseDir = file === dir ? path.dirname(file) : dir;
  const groups = byPrecision(samples, file, precision);
  const fits: FittedModel[] = [];
  for (const [key, group] of groups) {
    const fitted = fitCprModel(group, { pricePerSecondUsd: price, folds: flags.folds, seed: flags.seed });
    const model: CprModel = key === null ? fitted : { ...fitted, precision: key };
    const several = groups.size > 1;
    const modelFile = suffixed(flags.out ?? path.join(baseDir, 'cpr-model.json'), key, several);
    const plotFile = suffixed(
      flags.plot ?? path.join(path.dirname(modelFile), 'cpr-fit.svg'),
      key,
      several && flags.plot !== undefined,
    );
    for (const f of [modelFile, plotFile]) await makeFolder(path.dirname(path.resolve(f)));
    await writeFile(modelFile, `${JSON.stringify(model, null, 2)}\n`);
    await writeFile(plotFile, cprCurvesPlot(model, group, { pricePerSecondUsd: price }));
    fits.push({ precision: key, samples: group.length, modelFile, plotFile, model });
  }
  return { samplesFile: file, layout, notes, fits };
}

const pct = (v: number | null): string =>
  v === null ? 'n/a (too few samples)' : `${(v * 100).toFixed(1)} %`;
const num = (v: number): string => v.toFixed(5).padStart(9);

/** The table of one fitted model. */
function formatFit(fit: FittedModel): string[] {
  const { model } = fit;
  const quality = model.fit!;
  const latency = model.latency!;
  return [
    `${fit.precision ? `precision    ${fit.precision} (${fit.samples} samples)\n` : ''}` +
      'seconds(w, n) = exp(b2 ln n + b1 ln w + b3) + exp(a1 ln w + a0)',
    `  init       a0 = ${num(model.init.a0)}   a1 = ${num(model.init.a1)}`,
    `  compute    b1 = ${num(model.compute.b1)}   b2 = ${num(model.compute.b2)}   b3 = ${num(model.compute.b3)}`,
    'latency(w, n) = c0 + c1 seconds(w, n) / w + c2 w',
    `  latency    c0 = ${num(latency.c0)}   c1 = ${num(latency.c1)}   c2 = ${num(latency.c2)}`,
    '',
    `held-out error (${quality.method} cross-validation, ${quality.heldOut} predictions)`,
    `  CPR            MAPE ${pct(quality.mapeCpr)}`,
    `  latency        MAPE ${pct(quality.mapeLatency)}`,
    `  ln(seconds)    RMSE ${quality.rmseLogSeconds === null ? 'n/a' : quality.rmseLogSeconds.toFixed(3)}`,
    '',
    `wrote        ${fit.modelFile}`,
    `             ${fit.plotFile}`,
  ];
}

/** The human-readable table of a fit. */
export function formatFitReport(report: CprFitReport): string {
  const first = report.fits[0]!.model;
  const fit = first.fit!;
  const samples = report.fits.reduce((n, f) => n + f.samples, 0);
  const lines = [
    `samples      ${samples} from ${report.samplesFile} (images ${fit.images[0]}..${fit.images[1]}, workers ${fit.workers[0]}..${fit.workers[1]}, ${first.memoryMb} MB)`,
    `read as      ${LAYOUT_NAMES[report.layout]}`,
    ...report.notes.map((n) => `note         ${n}`),
    `price        ${formatUsd(first.pricePerSecondUsd!)} per function-second`,
  ];
  for (const f of report.fits) lines.push('', ...formatFit(f));
  return lines.join('\n');
}

/** Runs `obifaas cpr fit`. */
export async function runCprFit(dir: string, flags: CprFitFlags): Promise<void> {
  await runCommand({ json: flags.json === true, render: formatFitReport }, async () => ({
    value: await fitFromDir(dir, flags),
  }));
}
