/**
 * `obifaas cpr`: the CPR (cost per image) model. `cpr sample` runs the sampling jobs (see
 * `cpr-sample.ts`); `cpr fit DIR` fits the model to the sampled jobs in DIR/samples.jsonl and
 * writes the model, a plot and a table of its errors.
 */
import type { Command } from 'commander';
import {
  localOutOption,
  parseArchOption,
  parseIntOption,
  parseMemoryOption,
  parsePositiveOption,
  parseSeedOption,
} from '../options.js';
import type { CprFitFlags } from './cpr-fit-run.js';
import { defineSample } from './cpr-sample.js';
import type { CommandDefinition } from './index.js';

function defineFit(cpr: Command): void {
  cpr
    .command('fit')
    .description(
      'Fit the CPR model to sampled jobs: least squares on logarithms, errors on held-out samples.',
    )
    .addHelpText(
      'after',
      [
        '',
        'DIR holds samples.jsonl (or give the file itself): one JSON object per sampled job,',
        '  {"images": 640, "workers": 8, "computeSeconds": 101.3, "initSeconds": 42.0,',
        '   "latencySeconds": 19.7, "costUsd": 0.00703, "memoryMb": 3008, "job": "cpr-17"}',
        "with compute and init seconds summed over the job's workers; all durations must be > 0.",
        "The reference's sampling output (its summary.json, read when DIR has no samples.jsonl) is read",
        'too: a JSON array of jobs with num_images, num_task_managers (workers), duration_function',
        '(compute seconds), duration_init, latency and cost; its jobs carry no memory size, so give',
        '--memory (default 3008 MB, where the reference sampled). The report says which layout was read.',
        'Samples of several precisions (cpr sample --precision fp32,int8) are fitted apart, into',
        'cpr-model-fp32.json and cpr-model-int8.json (--precision: only one of them).',
        '',
        "Model (the reference's form, plus a latency fit):",
        '  seconds(w, n) = exp(b2 ln n + b1 ln w + b3) + exp(a1 ln w + a0)     CPR = seconds x price / n',
        '  latency(w, n) = c0 + c1 seconds(w, n) / w + c2 w                    (c >= 0)',
        'ln(init) and ln(compute) are fitted by least squares; latency by non-negative least squares on',
        'relative errors. Errors are measured by k-fold cross-validation: each sample is predicted by a',
        'model fitted without it. The written model is fitted on all samples.',
        '',
        'Writes --out (default DIR/cpr-model.json) and --plot (default cpr-fit.svg beside --out).',
        'Use the model with `obifaas plan --model-file`.',
      ].join('\n'),
    )
    .argument('<dir>', 'folder with samples.jsonl, or a samples file')
    .option(
      '--out <file>',
      'where to write the model JSON (default: DIR/cpr-model.json)',
      localOutOption('the CPR model'),
    )
    .option('--plot <file>', 'where to write the SVG plot (default: cpr-fit.svg beside --out)')
    .option(
      '--memory <mb>',
      "function memory in MB: use only the samples at this memory (needed when they mix memory sizes); the memory of the reference's jobs",
      parseMemoryOption(),
    )
    .option('--precision <p>', 'fit only the samples of this precision (fp32 or int8)')
    .option(
      '--price-per-second <usd>',
      'dollars per function-second (default: the Lambda price of the memory)',
      parsePositiveOption('--price-per-second'),
    )
    .option('--arch <arch>', 'price of x86_64 or arm64 Lambda functions', parseArchOption, 'x86_64')
    .option('--folds <k>', 'cross-validation folds', parseIntOption('--folds', 2), 5)
    .option('--seed <n>', 'seed of the fold assignment', parseSeedOption(), 1)
    .option('--json', 'print one JSON object: the model and the files written')
    .action(async (dir: string, flags: CprFitFlags) => {
      const { runCprFit } = await import('./cpr-fit-run.js');
      await runCprFit(dir, flags);
    });
}

export const cprCommand: CommandDefinition = (program: Command) => {
  const cpr = program
    .command('cpr')
    .description(
      'Build the CPR (cost per image) model that `obifaas plan` uses: sample jobs, fit it to them.',
    );
  defineSample(cpr);
  defineFit(cpr);
};
