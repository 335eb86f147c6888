/**
 * `obifaas simulate TRACE.csv --profile PROFILE`: what a day of jobs would take and cost on
 * serverless functions, without running any: a discrete-event simulation of the orchestrator's
 * own admission code, with functions modelled by a profile.
 */
import type { Command } from 'commander';
import { addConfigFlags } from '../config-flags.js';
import { DAY_S3_FLAGS, SIMULATE_JOB_FLAGS } from '../job-settings.js';
import { parseIntOption, parseSeedOption } from '../options.js';
import { addDayFlags } from './day-flags.js';
import type { CommandDefinition } from './index.js';
import type { SimulateFlags } from '../../simulate/run.js';

export const simulateCommand: CommandDefinition = (program: Command) => {
  const simulate = program
    .command('simulate')
    .description(
      'Simulate a day trace on serverless functions: latency, queueing and cost per job, in seconds.',
    )
    .argument('<trace>', 'trace CSV (columns STARTED, ds_id, n_images_ds; see `obifaas trace make`)')
    .addHelpText(
      'after',
      [
        '',
        'Jobs arrive as a replay would submit them (gaps capped at --max-wait, divided by --speed) and',
        "go through the orchestrator's own admission code: at most --max-jobs jobs and --max-workers",
        'workers at once; a job is corrected to the workers left (at least 1, at most its images) and',
        'jobs start in arrival order. Each job asks for --workers workers in --mode; the --policy',
        'decides the workers it gets (default: static jobs one worker per split, dynamic jobs keep theirs;',
        'cpr/deadline: the CPR planner, with the reference model or --cpr-model). --mode, --workers and',
        '--split-size default as in `obifaas replay`, so that both run the same jobs.',
        '',
        "Each job's dispatch is the job manager's own code: a static job invokes one function per chunk,",
        'a dynamic job at most one per split; failed invocations are retried (--max-retries,',
        '--max-split-retries), stragglers copied (--speculation), and --fail-percent, --delay-percent,',
        '--delay-max, --read-error-percent and --fault-seed inject faults, all as in `obifaas run`.',
        'With --read-error-percent the simulated functions fail that share of their reads on each attempt',
        'with a passing error (S3 SlowDown), and those inputs are tried again after the back-off, billed.',
        'day.json reports per job the invocations that ran, those that failed, the retries and copies,',
        'and the inputs retried after a read error (inputRetries).',
        '',
        'The profile (JSON) models one function: memoryMb, splitSize, secondsPerSplit (or',
        'imagesPerSecondPerWorker), perSplitOverheadSeconds, initSeconds, concurrencyLimit, and',
        'optionally keepWarmSeconds, serviceTimeCv, prices. A shipped profile can be named:',
        '`--profile lambda-resnet50-3008` (ResNet50 on Lambda at 3008 MB, from the reference numbers).',
        '',
        'Writes <out>/day.json (the same structure a replay writes) and prints a summary.',
        '',
        'Examples:',
        '  obifaas trace make --jobs 10000 --out day.csv',
        '  obifaas simulate day.csv --profile lambda-resnet50-3008 --max-workers 1000 --max-jobs 50',
        '  obifaas simulate day.csv --profile my.json --policy cpr --cpr-per-million 8 --json',
        '  obifaas simulate day.csv --profile lambda-resnet50-3008 --mode dynamic --speculation --delay-percent 10',
        '  obifaas simulate day.csv --profile lambda-resnet50-3008 --read-error-percent 5',
      ].join('\n'),
    )
    .requiredOption('--profile <file|name>', 'function profile JSON, or the name of a shipped one')
    .option(
      '--max-workers <n>',
      'concurrent workers over all jobs (default: 100)',
      parseIntOption('--max-workers'),
    )
    .option('--seed <n>', 'seed for per-split variance', parseSeedOption(), 1);
  addDayFlags(simulate)
    .option(
      '--out <dir>',
      "folder for day.json, day.svg and report.html: new, empty or an earlier simulation's (default: ./simulate-<trace name>); or s3://BUCKET/PREFIX (written in --staging, uploaded at the end)",
    )
    .option('--json', 'print the day report as one JSON object');
  addConfigFlags(simulate, DAY_S3_FLAGS, { configFile: false });
  // How each job runs: the flags of `obifaas run` (mode, workers, retries, speculation, faults).
  addConfigFlags(simulate, SIMULATE_JOB_FLAGS, { configFile: false }).action(
    async (trace: string, flags: SimulateFlags) => {
      const { runSimulate } = await import('./simulate-run.js');
      await runSimulate(trace, flags);
    },
  );
};
