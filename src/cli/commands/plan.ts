/**
 * `obifaas plan`: how many workers a job of N images should get, for a cost target or a
 * deadline, predicted by a CPR model (by default the reference's ResNet50 model).
 */
import type { Command } from 'commander';
import { UserError } from '../../errors.js';
import { MAX_WORKERS } from '../../protocol/limits.js';
import {
  parseArchOption,
  parseDurationOption,
  parseIntOption,
  parseMemoryOption,
  parseNumberOption,
} from '../options.js';
import type { CommandDefinition } from './index.js';
import type { PlanFlags } from './plan-run.js';

export const planCommand: CommandDefinition = (program: Command) => {
  program
    .command('plan')
    .description(
      'Choose the number of workers for a job: the fastest within a cost target, or the cheapest within a deadline.',
    )
    .addHelpText(
      'after',
      [
        '',
        'The CPR (cost per image) model predicts billed seconds for n images on w workers:',
        '  seconds(w, n) = exp(b2 ln n + b1 ln w + b3) + exp(a1 ln w + a0)      CPR = seconds x price / n',
        'and latency(w, n) = c0 + c1 seconds(w, n) / w + c2 w (c0 = c2 = 0, c1 = 1 when the model has none).',
        'Every worker count from 1 to min(--max-workers, ceil(images / --batch-size)) is scanned, so',
        'curves that are not monotonic are handled. Fit your own model with `obifaas cpr fit`.',
        '',
        'Without --model-file the reference model is used: ResNet50 on Lambda x86_64 at 3008 MB.',
        "The price per second is --price-per-second, else the model file's, else the Lambda price of",
        "--memory (default: the model's memory, 3008 MB) for --arch.",
        '',
        'Several --model-file (e.g. cpr-model-fp32.json and cpr-model-int8.json from `cpr fit` on',
        'samples of both precisions): the plan of each side by side, with the worker counts that meet',
        'the target; exit code 0 when one of them meets it.',
        '',
        'Exit codes: 0 when the target is met; 1 when no worker count meets it (the closest',
        'option is printed: the cheapest for a cost target, the fastest for a deadline); 2 for bad input.',
        '',
        'Examples:',
        '  obifaas plan --images 10000 --cpr-per-million 8',
        '  obifaas plan --images 10000 --deadline 2m --model-file cpr-model.json --json',
        '  obifaas plan --images 100000 --cpr-per-million 8 --plot plan.svg',
        '  obifaas plan --images 10000 --cpr-per-million 4 --model-file cpr/cpr-model-fp32.json --model-file cpr/cpr-model-int8.json',
      ].join('\n'),
    )
    .requiredOption('--images <n>', 'images in the job', parseIntOption('--images'))
    .option(
      '--cpr-per-million <usd>',
      'cost target: dollars per million images',
      parseNumberOption('--cpr-per-million'),
    )
    .option(
      '--deadline <duration>',
      "latency target: '90s', '15m', or seconds",
      parseDurationOption('--deadline'),
    )
    .option(
      '--model-file <file>',
      "a CPR model JSON (ours, or the reference's cpr_model.json layout); give it again to compare models side by side",
      (value: string, previous: string[] = []) => [...previous, value],
    )
    .option('--memory <mb>', 'function memory in MB, for the price', parseMemoryOption())
    .option(
      '--price-per-second <usd>',
      'dollars per function-second (instead of --memory)',
      parseNumberOption('--price-per-second'),
    )
    .option('--arch <arch>', 'price of x86_64 or arm64 Lambda functions', parseArchOption, 'x86_64')
    .option(
      '--max-workers <n>',
      `most workers the job may get (at most ${MAX_WORKERS.toLocaleString('en-US')})`,
      parseIntOption('--max-workers'),
      1000,
    )
    .option(
      '--batch-size <n>',
      'images per split: more than images / batch workers would idle',
      parseIntOption('--batch-size'),
      32,
    )
    .option(
      '--plot <file>',
      'also write the trade-off (SVG): predicted cost and latency against workers, with the chosen point',
    )
    .option('--json', 'print one JSON object')
    .action(async (flags: PlanFlags) => {
      if ((flags.cprPerMillion === undefined) === (flags.deadline === undefined)) {
        throw new UserError('give exactly one target: --cpr-per-million USD or --deadline DURATION');
      }
      if (flags.memory !== undefined && flags.pricePerSecond !== undefined) {
        throw new UserError('give --memory or --price-per-second, not both');
      }
      if ((flags.modelFile?.length ?? 0) > 1) {
        const { runPlanComparison } = await import('./plan-compare.js');
        return runPlanComparison(flags, flags.modelFile!);
      }
      const { runPlan } = await import('./plan-run.js');
      await runPlan(flags);
    });
};
