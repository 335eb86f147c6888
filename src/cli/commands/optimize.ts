/**
 * `obifaas optimize`: search worker settings (memory, batch size, threads, replicas) with a
 * Tree-structured Parzen Estimator, each trial a real one-worker job.
 */
import type { Command } from 'commander';
import { addConfigFlags } from '../config-flags.js';
import { OPTIMIZE_JOB_FLAGS } from '../job-settings.js';
import { localOutOption, parseIntOption, parseSeedOption } from '../options.js';
import type { CommandDefinition } from './index.js';
import type { OptimizeFlags } from './optimize-run.js';

export const optimizeCommand: CommandDefinition = (program: Command) => {
  const optimize = program
    .command('optimize')
    .description(
      'Find the worker settings with the best throughput per dollar (or cost per image, or throughput): Bayesian optimization over real trials.',
    )
    .addHelpText(
      'after',
      [
        '',
        'Each trial runs a one-worker job on one batch (the first batchSize images of --input) with',
        'the settings proposed by a Tree-structured Parzen Estimator (random proposals for the first',
        '--startup-trials), on the configured backend. The objective comes from the invocation: its',
        'compute seconds are the billed time without the cold start (process start and model load,',
        'paid once per worker whatever the settings), priced at the trial memory with the Lambda price:',
        '  throughput             images / compute seconds                               (maximize)',
        '  cost-per-image         cost of the compute seconds (GB-s + request) / images  (minimize)',
        '  throughput-per-dollar  (images / s) / ($ / s) = images per dollar             (maximize)',
        'On the local backend, memory changes only the price: processes are not limited to it.',
        'A trial that fails (an invalid combination, an error, a crash) is recorded as failed, counts',
        'as the worst value, and the search goes on.',
        '',
        'Each trial runs --repeats times (default 3) and is scored on the median of its runs, reported',
        'with their range, so that the best is not the luckiest of noisy runs. No point of the space is',
        'proposed twice; once every point of a finite space is tried, the search stops.',
        '',
        '--precision fp32,int8 adds the model precision to the space: int8 trials run the int8 build of a',
        'builtin model, the file --int8-model names, or the model quantized once by `model quantize`',
        '(calibrated on a sample of --input) into --out. A space may choose it itself: "precision":',
        '{"type": "categorical", "values": ["fp32", "int8"]}.',
        '',
        'The space file lists the parameters (memory, batchSize, interOpThreads, intraOpThreads,',
        'replicas, loadConcurrency, preprocessConcurrency) as categorical or int, with per-value',
        "branches (see spaces/resnet50.json, the reference's space and the default). Settings the",
        'space does not choose come from the flags and the config file. A trial runs one batch, so',
        '--input needs as many images as the largest batch size: the default space leaves out larger',
        'ones; a space of your own that asks for more is refused. A small space (docs/optimize.md):',
        '  {"parameters": {"batchSize": {"type": "categorical", "values": [8, 16, 32]},',
        '                  "replicas": {"type": "int", "min": 1, "max": 2}}}',
        '',
        'Writes into --out (default obifaas-out/optimize-<space name>):',
        '  best-worker.json           the best settings and their value; use with',
        '                             `obifaas run --worker-config best-worker.json`',
        '  trials.json                every trial: parameters, value, measurements, errors',
        '  trials.jsonl               the same, one line per trial as it finished (the resume log)',
        '  optimize.json              what the search started with (space, seed, objective, inputs, model)',
        '  optimization-history.svg   each trial value and the best so far',
        '  trials/trial-<n>/repeat-<k>/  the job outputs of each run of each trial',
        'Resuming: run the same command again (after a crash or Ctrl-C); finished trials are replayed',
        'into the optimizer and the search goes on from the next one. A larger --trials extends it.',
        '',
        'Exit codes: 0 when a trial succeeded; 1 when none did; 2 for bad input; 130 when cancelled by',
        'Ctrl-C, SIGTERM or SIGHUP (the running trial is stopped; finished trials stay recorded).',
        '',
        'Example:',
        '  obifaas optimize --input data/manifest.txt --model resnet50 --trials 30 --out opt/',
        '  obifaas run --input photos/ --model resnet50 --worker-config opt/best-worker.json',
      ].join('\n'),
    )
    .option('--space <file>', 'search space JSON (default: the shipped spaces/resnet50.json)')
    .option(
      '--trials <n>',
      'trials in all, counting those of earlier runs in --out',
      parseIntOption('--trials'),
      20,
    )
    .option('--seed <n>', 'seed of the proposals', parseSeedOption(), 1)
    .option(
      '--objective <name>',
      'throughput-per-dollar, cost-per-image or throughput',
      'throughput-per-dollar',
    )
    .option(
      '--startup-trials <n>',
      'random trials before the model is used',
      parseIntOption('--startup-trials', 0),
      10,
    )
    .option(
      '--repeats <n>',
      'runs of each trial, scored on their median (default: 3)',
      parseIntOption('--repeats'),
    )
    .option('--precision <list>', 'add the model precision to the space: fp32,int8 (or one of them)')
    .option('--int8-model <file>', 'the int8 model for int8 trials (default: built or quantized, see above)')
    .option(
      '--out <dir>',
      'optimization folder (default: obifaas-out/optimize-<space name>)',
      localOutOption('the optimization folder (it is resumed in place)'),
    );
  addConfigFlags(optimize, OPTIMIZE_JOB_FLAGS)
    .option('--json', 'print the report as one JSON object')
    .action(async (flags: OptimizeFlags) => {
      const { runOptimize } = await import('./optimize-run.js');
      await runOptimize(flags);
    });
};
