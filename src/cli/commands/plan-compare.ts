/**
 * `obifaas plan` with several `--model-file`s: the plan of each model side by side, e.g. the
 * float32 and the int8 CPR models `cpr fit` wrote from one sampling, so that the table answers,
 * for each precision, how many workers meet the target and what the chosen count costs.
 */
import path from 'node:path';
import { UserError } from '../../errors.js';
import { runCommand } from '../runner.js';
import { meetingText, planReport, targetText, type PlanFlags, type PlanReport } from './plan-run.js';
import { formatUsd } from '../../util/money.js';

/** What `plan --json` prints with several model files. */
export interface PlanComparison {
  images: number;
  target: PlanReport['target'];
  /** One plan per model file, in the order given. */
  plans: PlanReport[];
}

/** The plans of `files` for the same job and target. */
export async function comparePlans(flags: PlanFlags, files: readonly string[]): Promise<PlanComparison> {
  if (flags.plot !== undefined)
    throw new UserError('--plot draws the trade-off of one model: give one --model-file with it');
  const plans: PlanReport[] = [];
  for (const file of files) plans.push(await planReport(flags, file));
  return { images: flags.images, target: plans[0]!.target, plans };
}

/** The table: one column per model. */
export function formatPlanComparison(c: PlanComparison): string {
  const heads = c.plans.map((p) => `${p.precision ?? 'model'}: ${path.basename(p.modelFile)}`);
  const rows: [string, (p: PlanReport) => string][] = [
    ['workers', (p) => `${p.workers}${p.feasible ? '' : ' (closest)'}`],
    ['meeting the target', (p) => meetingText(p.meeting)],
    ['predicted CPR', (p) => `${formatUsd(p.predictedCprPerMillion)} per million`],
    ['predicted latency', (p) => `${p.predictedLatencySeconds.toFixed(1)} s`],
    ['target', (p) => (p.feasible ? 'met' : 'NOT met')],
    [
      'price',
      (p) =>
        `${formatUsd(p.pricePerSecondUsd)} per function-second${p.memoryMb ? ` (${p.memoryMb} MB)` : ''}`,
    ],
  ];
  const width =
    Math.max(
      ...heads.map((h) => h.length),
      ...rows.flatMap(([, cell]) => c.plans.map((p) => cell(p).length)),
    ) + 2;
  const line = (label: string, cells: string[]): string =>
    `${label.padEnd(20)}${cells.map((x) => x.padEnd(width)).join('')}`.trimEnd();
  return [
    `target              ${targetText(c.target)}, ${c.images} images`,
    '',
    line('', heads),
    ...rows.map(([label, cell]) => line(label, c.plans.map(cell))),
  ].join('\n');
}

/** Runs the comparison: exit code 0 when some model meets the target, else 1. */
export async function runPlanComparison(flags: PlanFlags, files: readonly string[]): Promise<void> {
  await runCommand({ json: flags.json === true, render: formatPlanComparison }, async () => {
    const comparison = await comparePlans(flags, files);
    const met = comparison.plans.some((p) => p.feasible);
    const notes = flags.json
      ? []
      : [
          ...comparison.plans.flatMap((p) =>
            p.warnings.map((w) => `warning: ${path.basename(p.modelFile)}: ${w}`),
          ),
          ...(met ? [] : ['no model meets the target']),
        ];
    return { value: comparison, status: met ? 'done' : 'failed', notes };
  });
}
