/** The work of `obifaas plan` and the model-file reading shared with `obifaas cpr`. */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pricePerSecondUsd, resolvePrices, type Arch } from '../../core/pricing.js';
import { messageOf, UserError } from '../../errors.js';
import { loadCprModelFile } from '../../api/time-estimate.js';
import type { CprModel } from '../../planning/cpr-model.js';
import {
  extrapolationOf,
  extrapolationWarnings,
  times,
  type Extrapolation,
  type OutsideSamples,
} from '../../planning/extrapolation.js';
import { planOptions, planWorkers, type Plan, type PlanTarget } from '../../planning/planner.js';
import { planTradeoffPlot } from '../../report/plots/plan-tradeoff.js';
import type { Precision } from '../../planning/precision.js';
import { runCommand } from '../runner.js';
import { makeFolder } from '../../util/make-folder.js';
import { formatUsd } from '../../util/money.js';

/** Flags of `obifaas plan`, as commander parses them. */
export interface PlanFlags {
  images: number;
  cprPerMillion?: number;
  /** Milliseconds. */
  deadline?: number;
  /** CPR model files (several: their plans side by side, e.g. float32 and int8). */
  modelFile?: string[];
  memory?: number;
  pricePerSecond?: number;
  arch: Arch;
  maxWorkers: number;
  batchSize: number;
  /** Where to write the trade-off plot (SVG). */
  plot?: string;
  json?: boolean;
}

/** The reference's CPR model, shipped with the package (`planning-data/`). */
export const REFERENCE_MODEL_FILE = fileURLToPath(
  new URL('../../../planning-data/reference-cpr-model.json', import.meta.url),
);

/** What `plan --json` prints. */
export interface PlanReport extends Plan {
  images: number;
  pricePerSecondUsd: number;
  memoryMb: number | null;
  modelFile: string;
  /** The precision the model was sampled in, when recorded. */
  precision: Precision | null;
  /** `fitted` when the model has a latency fit, else `default` (mean billed time per worker). */
  latencyModel: 'fitted' | 'default';
  /**
   * How far the image count and the chosen worker count lie outside what the model was sampled
   * on (its `fit` ranges); each is also a warning.
   */
  extrapolation: Extrapolation;
  warnings: string[];
}

function resolvePrice(
  flags: PlanFlags,
  model: CprModel,
): { price: number; memoryMb: number | null; warnings: string[] } {
  const warnings: string[] = [];
  if (flags.memory !== undefined && model.memoryMb !== undefined && flags.memory !== model.memoryMb) {
    warnings.push(
      `the model was fitted at ${model.memoryMb} MB: its timings are for that memory, only the price is for ${flags.memory} MB`,
    );
  }
  if (flags.pricePerSecond !== undefined)
    return { price: flags.pricePerSecond, memoryMb: model.memoryMb ?? null, warnings };
  if (flags.memory === undefined && model.pricePerSecondUsd !== undefined) {
    return { price: model.pricePerSecondUsd, memoryMb: model.memoryMb ?? null, warnings };
  }
  const memoryMb = flags.memory ?? model.memoryMb ?? 3008;
  return {
    price: pricePerSecondUsd(resolvePrices({ arch: flags.arch }), memoryMb),
    memoryMb,
    warnings,
  };
}

function target(flags: PlanFlags): PlanTarget {
  if (flags.cprPerMillion !== undefined) return { type: 'cpr', usdPerMillion: flags.cprPerMillion };
  return { type: 'deadline', seconds: flags.deadline! / 1000 };
}

/** Computes the plan behind `obifaas plan` with the model in `modelFile` (default: the reference's). */
export async function planReport(flags: PlanFlags, modelFile?: string): Promise<PlanReport> {
  const model = await loadCprModelFile(modelFile ?? REFERENCE_MODEL_FILE, '--model-file');
  const { price, memoryMb, warnings } = resolvePrice(flags, model);
  const plan = planWorkers({
    images: flags.images,
    model,
    pricePerSecondUsd: price,
    maxWorkers: flags.maxWorkers,
    batchSize: flags.batchSize,
    target: target(flags),
  });
  const extrapolation = extrapolationOf(model, flags.images, plan.workers);
  return {
    ...plan,
    images: flags.images,
    pricePerSecondUsd: price,
    memoryMb,
    modelFile: modelFile ?? 'reference',
    precision: model.precision ?? null,
    latencyModel: model.latency ? 'fitted' : 'default',
    extrapolation,
    warnings: [...warnings, ...extrapolationWarnings(extrapolation)],
  };
}

/** Writes the trade-off behind `report` (every worker count considered) to `file`. */
export async function writePlanPlot(flags: PlanFlags, report: PlanReport, file: string): Promise<void> {
  const model = await loadCprModelFile(
    report.modelFile === 'reference' ? REFERENCE_MODEL_FILE : report.modelFile,
    '--model-file',
  );
  const options = planOptions({
    images: flags.images,
    model,
    pricePerSecondUsd: report.pricePerSecondUsd,
    maxWorkers: flags.maxWorkers,
    batchSize: flags.batchSize,
  });
  try {
    await makeFolder(path.dirname(path.resolve(file)));
    await writeFile(file, planTradeoffPlot(options, report, flags.images));
  } catch (err) {
    throw new UserError(`--plot: cannot write '${file}': ${messageOf(err)}`, { cause: err });
  }
}

/** The target in words. */
export function targetText(t: PlanReport['target']): string {
  return t.type === 'cpr' ? `${formatUsd(t.usdPerMillion)} per million images` : `${t.seconds} s deadline`;
}

/** `1..12 (12 counts)`, `4..9, 20..25 (12 counts)` or `none`: the worker counts that meet the target. */
export function meetingText(meeting: PlanReport['meeting']): string {
  if (meeting.count === 0) return 'none';
  const ranges = meeting.ranges.map(([a, b]) => (a === b ? `${a}` : `${a}..${b}`)).join(', ');
  return `${ranges} (${meeting.count} count${meeting.count === 1 ? '' : 's'})`;
}

/**
 * `images 32..100, workers 1..2; EXTRAPOLATED: 10000 images 100× the most sampled, ...`, or with
 * `(the plan lies within)`; or that the model file records no ranges.
 */
export function sampledText(e: Extrapolation): string {
  if (e.sampled === null) return 'not recorded in the model file: extrapolation not checked';
  const ranges = `images ${e.sampled.images.join('..')}, workers ${e.sampled.workers.join('..')}`;
  const part = (unit: string, o: OutsideSamples | null): string[] =>
    o === null
      ? []
      : [
          `${o.value} ${unit} ${times(o.factor)} ${o.direction === 'above' ? 'the most' : 'below the fewest'} sampled`,
        ];
  const outside = [...part('images', e.images), ...part('workers', e.workers)];
  return outside.length === 0
    ? `${ranges} (the plan lies within)`
    : `${ranges}; EXTRAPOLATED: ${outside.join(', ')}`;
}

/** The human-readable plan. */
export function formatPlanReport(report: PlanReport): string {
  const goal = targetText(report.target);
  return [
    `workers            ${report.workers}${report.feasible ? '' : '  (closest option: the target is not met)'}`,
    `meeting the target ${meetingText(report.meeting)}`,
    `predicted CPR      ${formatUsd(report.predictedCprPerMillion)} per million images`,
    `predicted latency  ${report.predictedLatencySeconds.toFixed(1)} s${report.latencyModel === 'default' ? ' (no latency fit: mean billed time per worker)' : ''}`,
    `target             ${goal}: ${report.feasible ? 'met' : 'NOT met'}`,
    `images             ${report.images} (worker counts 1..${report.maxWorkersConsidered} considered)`,
    `price              ${formatUsd(report.pricePerSecondUsd)} per function-second${report.memoryMb ? ` (${report.memoryMb} MB)` : ''}`,
    `model              ${report.modelFile === 'reference' ? 'reference (ResNet50, Lambda x86_64, 3008 MB)' : report.modelFile}${report.precision ? ` (${report.precision})` : ''}`,
    `sampled on         ${sampledText(report.extrapolation)}`,
  ].join('\n');
}

/** Runs `obifaas plan`: exit code 0, or 1 when no worker count meets the target (the closest is printed). */
export async function runPlan(flags: PlanFlags): Promise<void> {
  const render = (report: PlanReport): string =>
    formatPlanReport(report) + (flags.plot !== undefined ? `\nplot               ${flags.plot}` : '');
  await runCommand({ json: flags.json === true, render }, async () => {
    const report = await planReport(flags, flags.modelFile?.[0]);
    if (flags.plot !== undefined) await writePlanPlot(flags, report, flags.plot);
    // The JSON object carries the warnings and whether the target is met.
    const notes = flags.json
      ? []
      : [...report.warnings.map((w) => `warning: ${w}`), ...(report.feasible ? [] : [report.reason ?? ''])];
    return { value: report, status: report.feasible ? 'done' : 'failed', notes };
  });
}
