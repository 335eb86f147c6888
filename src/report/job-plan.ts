/**
 * A job's plan for people (a short table) and for programs (`--json`), from the same object so
 * the two always agree (`obifaas run --dry-run`).
 */
import type { SplitRange } from '../core/splitting.js';
import type { JobPlan, PlannedFunctions } from '../job-plan/types.js';
import type { DryRun, DryRunFile } from '../manager/dry-run.js';
import { formatUsd } from '../util/money.js';
import { labelledLines } from '../util/text-layout.js';
import { seconds } from './job-summary.js';

/**
 * The `--json` object: the plan as is (every split as a range of the inputs), the inputs' source,
 * and the model and labels files (the SHA-256 and size the job would record, or why not read).
 */
export function dryRunJson(dry: DryRun): Record<string, unknown> {
  return {
    dryRun: true,
    inputsFrom: dry.inputs,
    ...dry.plan,
    model: dry.model,
    ...(dry.labels ? { labels: dry.labels } : {}),
  };
}

/** A model or labels file in words: its path, and its SHA-256 and size or why it was not read. */
function describeFile(file: DryRunFile): string {
  if ('notRead' in file) return `${file.uri} (not read: ${file.notRead})`;
  return `${file.uri}, ${file.bytes} bytes, sha256 ${file.sha256}`;
}

function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}

function splitSizes(splits: readonly SplitRange[]): string {
  if (splits.length === 0) return 'no split';
  const sizes = splits.map((s) => s.inputs);
  const [min, max] = [Math.min(...sizes), Math.max(...sizes)];
  return `${plural(splits.length, 'split')} of ${min === max ? min : `${min} to ${max}`} inputs`;
}

/** Where a function's vCPUs come from, in words. */
export function describeCpus(functions: PlannedFunctions, atOnce: number): string {
  const { cpus, vcpus } = functions;
  const amount = `${Number(vcpus.toFixed(2))} ${vcpus === 1 ? 'vCPU' : 'vCPUs'}`;
  switch (cpus.kind) {
    case 'memory':
      return `${amount} (${cpus.memoryMb} MB at ${cpus.mbPerVcpu} MB per vCPU, at most ${cpus.maxVcpus})`;
    case 'shared':
      return `${amount} (${plural(cpus.cores, 'core')} shared by ${plural(Math.max(1, atOnce), 'function')} at once)`;
    case 'fixed':
      return `${amount} (${cpus.from})`;
  }
}

/** Label/value rows of the human plan. */
export function planRows(dry: DryRun, costHint = ''): Array<[string, string]> {
  const plan: JobPlan = dry.plan;
  const { invocations, functions, cost } = plan;
  const finished = plan.finishedSplits.length;
  const each = plan.mode === 'static' ? 'one per invocation' : 'pulled by the invocations';
  return [
    ['Job', `${plan.job}: dry run, nothing invoked`],
    ['Inputs', `${plan.inputs} from ${dry.inputs.kind} ${dry.inputs.location}`],
    ['Model', describeFile(dry.model)],
    ...(dry.labels ? [['Labels', describeFile(dry.labels)] as [string, string]] : []),
    [
      'Splits',
      `${splitSizes(plan.splits)}, ${plan.mode} mode (${each})` +
        (finished > 0 ? `; ${finished} finished earlier` : ''),
    ],
    [
      'Invocations',
      `${invocations.count} planned, ${invocations.atOnce} at once (retries, replacements and copies come on top)`,
    ],
    [
      'Functions',
      `${functions.backend} backend, ${functions.memoryMb} MB, up to ${functions.maxConcurrency} at once; ` +
        describeCpus(functions, invocations.atOnce),
    ],
    [
      'Threads',
      `${plural(functions.intraOpThreads, 'ONNX Runtime thread')} per function (` +
        (functions.threadsFrom === 'vcpus' ? 'from its vCPUs' : 'pipeline.predict.intraOpThreads') +
        ')',
    ],
    [
      'Cost',
      cost.known
        ? `${formatUsd(cost.costUsd)} predicted (${cost.basis}; ${formatUsd(cost.costPerMillionImagesUsd)} per million images, ` +
          `latency about ${seconds(cost.latencySeconds)}; ${cost.priceModel} prices)`
        : `unknown: ${cost.reason}${costHint}; ${formatUsd(cost.usdPerFunctionSecond)} per function-second (${cost.priceModel} prices)`,
    ],
    ['Output', `${plan.out} (not created)`],
  ];
}

/** The plan as aligned `label  value` lines (`util/text-layout.ts`). */
export function formatPlanTable(dry: DryRun, costHint = ''): string {
  return labelledLines(planRows(dry, costHint)).join('\n');
}
