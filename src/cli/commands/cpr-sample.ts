/**
 * `obifaas cpr sample`: run the reference's sampling plan as real jobs and record what each
 * cost, for `obifaas cpr fit`.
 */
import type { Command } from 'commander';
import { addConfigFlags } from '../config-flags.js';
import { CPR_SAMPLE_JOB_FLAGS } from '../job-settings.js';
import { localOutOption, parseIntOption, parseSeedOption } from '../options.js';
import type { CprSampleFlags } from './cpr-sample-run.js';

export function defineSample(cpr: Command): void {
  const sample = cpr
    .command('sample')
    .description(
      'Run the sampling plan: one real job per (images, workers) point, each recorded as it finishes.',
    )
    .addHelpText(
      'after',
      [
        '',
        "The plan is the reference's: --linear image counts evenly spaced up to --max-images, then",
        '--log counts spaced on a log scale, each with a worker count drawn between 1 and',
        'min(images / --batch-size, --max-workers). Each point runs as a job of the first N images of',
        '--input on the configured backend (dynamic dispatch with speculation, as the reference sampled,',
        'unless --mode or --speculation say otherwise), one job at a time in a shuffled order, after an',
        'unrecorded warm-up job (--no-warmup to skip it).',
        '',
        'Each finished job appends one line to OUT/samples.jsonl (written to disk before the next job):',
        '  {"index": 4, "images": 640, "workers": 8, "computeSeconds": 101.3, "initSeconds": 42.0,',
        '   "latencySeconds": 19.7, "costUsd": 0.00703, "memoryMb": 3008, "job": "cpr-4-1a2b3c4d", ...}',
        'initSeconds: the cold starts (process or container start, plus the model load the worker',
        'reports); computeSeconds: the billed time without them. Their sum is what the job was billed.',
        'Every job gets a fresh backend and, by default, at most as many workers as the backend runs at',
        'once (--max-workers defaults to --max-concurrency), so every worker is a cold start and init',
        'time is measured. Job outputs are kept in OUT/jobs/cpr-<index>/.',
        '',
        '--precision fp32,int8 runs every point in both precisions (the jobs of both shuffled together),',
        'each record saying its precision; `cpr fit` then fits one model per precision. int8 jobs run the',
        'int8 build of a builtin model, the file --int8-model names, or the model quantized once by',
        '`model quantize` (calibrated on a sample of --input) into OUT/model-int8.onnx.',
        '',
        'Resuming: run the same command again; recorded points are skipped and unfinished or failed',
        'ones run again. A folder started with other settings is refused.',
        '',
        'Exit codes: 0 when every point is recorded; 1 when some failed (re-run to retry them);',
        '2 for bad input; 130 when cancelled by Ctrl-C, SIGTERM or SIGHUP (the running job is stopped;',
        'finished points stay recorded).',
        '',
        'Example:',
        '  obifaas cpr sample --input data/manifest.txt --model resnet50 --max-images 1000 --out cpr/',
        '  obifaas cpr fit cpr/ && obifaas plan --images 5000 --cpr-per-million 10 --model-file cpr/cpr-model.json',
      ].join('\n'),
    )
    .requiredOption('--max-images <n>', 'largest job of the plan, in images', parseIntOption('--max-images'))
    .requiredOption(
      '--out <dir>',
      'sampling folder: samples.jsonl, cpr-plan.json, jobs/',
      localOutOption('the sampling folder'),
    );
  addConfigFlags(sample, CPR_SAMPLE_JOB_FLAGS)
    .option('--linear <n>', 'linearly spaced image counts', parseIntOption('--linear', 0), 30)
    .option('--log <n>', 'log-spaced image counts', parseIntOption('--log', 0), 30)
    .option('--min-images <n>', 'smallest job (default: the batch size)', parseIntOption('--min-images'))
    .option(
      '--max-workers <n>',
      'most workers of a job (default: the backend concurrency, so that every worker is a cold start)',
      parseIntOption('--max-workers'),
    )
    .option('--seed <n>', 'seed of the worker counts and of the job order', parseSeedOption(), 1)
    .option('--no-warmup', 'skip the unrecorded warm-up job')
    .option('--precision <list>', 'run each point in these precisions: fp32,int8 (or one of them)')
    .option('--int8-model <file>', 'the int8 model for int8 jobs (default: built or quantized, see above)')
    .option('--json', 'print the report as one JSON object')
    .action(async (flags: CprSampleFlags) => {
      const { runCprSample } = await import('./cpr-sample-run.js');
      await runCprSample(flags);
    });
}
