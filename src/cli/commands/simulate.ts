/**
 * `obifaas simulate TRACE.csv --profile PROFILE`: what a day of jobs would take and cost on
 * serverless functions, without running any: a discrete-event simulation of the orchestrator's
 * own admission code, with functions modelled by a profile.
 */
import type { Command } from 'commander';
import { UserError } from '../../errors.js';
import { parseDurationMs } from '../../spec/duration.js';
import { parseIntOption, parseNumberOption } from '../options.js';
import type { CommandDefinition } from './index.js';
import type { SimulateFlags } from '../../simulate/run.js';

/** A wait in ms: a duration ('10m', '90s', seconds), 0, or 'none' (no limit). */
export function parseWaitOption(flag: string): (value: string) => number {
  return (value: string) => {
    const text = value.trim().toLowerCase();
    if (text === 'none' || text === 'inf' || text === 'infinity') return Infinity;
    if (/^0+(\.0+)?(ms|s|m|h)?$/.test(text)) return 0;
    const parsed = parseDurationMs(text);
    if ('error' in parsed)
      throw new UserError(
        `${flag}: expected a duration such as '90s', '10m' or 600 (seconds), or 'none'; got '${value}'`,
      );
    return parsed.ms;
  };
}

function parseFraction(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > 1)
    throw new UserError(`--min-grant-fraction: expected a number in [0, 1], got '${value}'`);
  return n;
}

export const simulateCommand: CommandDefinition = (program: Command) => {
  program
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
        'cpr/deadline: the CPR planner, with the reference model or --cpr-model).',
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
      ].join('\n'),
    )
    .requiredOption('--profile <file|name>', 'function profile JSON, or the name of a shipped one')
    .option(
      '--max-workers <n>',
      'concurrent workers over all jobs (default 100)',
      parseIntOption('--max-workers'),
    )
    .option('--max-jobs <n>', 'concurrent jobs (default 1)', parseIntOption('--max-jobs'))
    .option('--policy <name>', 'job policy: default, fixed, cpr or deadline', 'default')
    .option(
      '--cpr-per-million <usd>',
      'cpr policy target: dollars per million images',
      parseNumberOption('--cpr-per-million'),
    )
    .option(
      '--deadline <duration>',
      "deadline policy target, e.g. '90s' or '5m'",
      parseWaitOption('--deadline'),
    )
    .option(
      '--cpr-model <file>',
      'CPR model JSON for the cpr/deadline policies (default: the reference model)',
    )
    .option('--mode <mode>', 'how jobs dispatch: dynamic or static', 'dynamic')
    .option('--workers <n>', 'workers each job asks for', parseIntOption('--workers'), 50)
    .option(
      '--split-size <n>',
      "images per split (default: the profile's splitSize)",
      parseIntOption('--split-size'),
    )
    .option('--speed <x>', 'time compression of the trace', parseNumberOption('--speed', Number.MIN_VALUE), 1)
    .option(
      '--max-wait <duration>',
      "longest gap between arrivals kept ('none' keeps all)",
      parseWaitOption('--max-wait'),
      600_000,
    )
    .option(
      '--min-grant-fraction <f>',
      'share of its workers a job waits for (0: start on whatever is free, like the reference)',
      parseFraction,
      0,
    )
    .option(
      '--max-head-wait <duration>',
      'later jobs may overtake a waiting job only this long',
      parseWaitOption('--max-head-wait'),
      60_000,
    )
    .option('--seed <n>', 'seed for per-split variance', parseIntOption('--seed', 0), 1)
    .option('--strict', 'fail (exit 2) if any trace row is malformed, instead of skipping it')
    .option('--out <dir>', 'folder for day.json (default: ./simulate-<trace name>)')
    .option('--json', 'print the day report as one JSON object')
    .action(async (trace: string, flags: SimulateFlags) => {
      const { runSimulate } = await import('../../simulate/run.js');
      await runSimulate(trace, flags);
    });
};
