/**
 * `obifaas replay TRACE.csv --input DATASET --model MODEL`: a day of jobs run for real, each
 * job submitted at its (compressed) arrival time to the orchestrator and run by its own job
 * manager under the worker and job caps.
 */
import { Option, type Command } from 'commander';
import { CONFIG_FILE_ENV, CONFIG_KEYS } from '../../config/keys.js';
import { UserError } from '../../errors.js';
import type { ReplayFlags } from '../../replay/replay-command.js';
import { parseIntOption, parseNumberOption } from '../options.js';
import type { CommandDefinition } from './index.js';
import { parseWaitOption } from './simulate.js';

function parseFraction(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > 1)
    throw new UserError(`--min-grant-fraction: expected a number in [0, 1], got '${value}'`);
  return n;
}

function parseSpeed(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new UserError(`--speed: expected a number > 0, got '${value}'`);
  return n;
}

/** Job settings of `run` that a replay sets itself (per job, or from --max-workers / --out). */
const NOT_FOR_REPLAY = new Set([
  '--name',
  '--out',
  '--max-concurrency',
  '--workers',
  '--split-size',
  '--mode',
]);

export const replayCommand: CommandDefinition = (program: Command) => {
  const replay = program
    .command('replay')
    .description('Replay a day trace for real: every job runs as a job manager under the orchestrator.')
    .argument('<trace>', 'trace CSV (columns STARTED, ds_id, n_images_ds; see `obifaas trace make`)')
    .addHelpText(
      'after',
      [
        '',
        'Jobs are submitted at their trace start times, with the gap between two starts capped at',
        '--max-wait and divided by --speed. Each job classifies n_images_ds images taken in order from',
        '--input (starting over when the dataset has fewer: a key may then repeat, and each occurrence',
        'gets its own result line). At most --max-jobs jobs and --max-workers functions run at once: a',
        'job is corrected to the workers left (at least 1, at most its images) and jobs start in',
        'arrival order. The --policy decides the workers a job asks for (default: static jobs one per',
        'split, dynamic jobs --workers). All jobs share one backend running --max-workers functions, so',
        'functions stay warm from one job to the next. Other job settings (--batch-size, --memory,',
        '--timeout, --config, ...) are those of `obifaas run`.',
        '',
        'Outputs (in --out, default ./obifaas-out/replay-<trace>-<time>):',
        '  <job id>/      one folder per job: results.jsonl, splits.jsonl, job.json',
        '  day.json       per job queue wait, latency, workers, cost and cost per image; totals and',
        '                 percentiles (the same structure `obifaas simulate` writes)',
        '  workers.log    output of the function processes',
        '',
        'Malformed trace rows are reported with their line numbers and skipped (--strict: exit 2).',
        'Exit codes: 0 when every job succeeded, 1 when some job failed, 2 for a mistake in the trace',
        'or settings (nothing ran), 130 when cancelled (Ctrl-C: running jobs still give every input a',
        'line, and day.json is written).',
        '',
        'Examples:',
        '  obifaas trace make --jobs 20 --median-images 40 --out day-20.csv',
        '  obifaas replay day-20.csv --input ./photos --model tiny --speed 600 --max-workers 4 --max-jobs 2',
      ].join('\n'),
    )
    .option('--speed <x>', 'time compression of the trace (60: an hour in a minute)', parseSpeed, 1)
    .addOption(
      new Option(
        '--max-wait <duration>',
        "longest gap between arrivals kept, before --speed ('none' keeps all)",
      )
        .argParser(parseWaitOption('--max-wait'))
        .default(600_000, '10m'),
    )
    .option(
      '--max-workers <n>',
      'functions running at once over all jobs (default: the backend concurrency; local: number of cores)',
      parseIntOption('--max-workers'),
    )
    .option('--max-jobs <n>', 'jobs running at once', parseIntOption('--max-jobs'), 1)
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
    .option('--mode <mode>', 'how jobs dispatch: static or dynamic (default: static)')
    .option(
      '--workers <n>',
      'workers each job asks for (default: --max-workers)',
      parseIntOption('--workers'),
    )
    .option('--split-size <n>', 'images per split (default 32)', parseIntOption('--split-size'))
    .option(
      '--min-grant-fraction <f>',
      'share of its workers a job waits for (0: start on whatever is free, like the reference)',
      parseFraction,
      0,
    )
    .addOption(
      new Option('--max-head-wait <duration>', 'later jobs may overtake a waiting job only this long')
        .argParser(parseWaitOption('--max-head-wait'))
        .default(60_000, '60s'),
    )
    .option('--strict', 'fail (exit 2) if any trace row is malformed, instead of skipping it')
    .option('--out <dir>', 'day folder, new or empty')
    .option('--json', 'print the day report as one JSON object');
  for (const key of CONFIG_KEYS) {
    if (!key.flag || NOT_FOR_REPLAY.has(key.flag)) continue;
    const env = key.env ? `; env ${key.env}` : '';
    const fallback = key.defaultText === 'required' ? 'required' : `default: ${key.defaultText}`;
    replay.option(`${key.flag} <${key.valueName.toLowerCase()}>`, `${key.description} (${fallback}${env})`);
  }
  replay
    .option('--config <file>', `YAML or JSON config file with job settings (env ${CONFIG_FILE_ENV})`)
    .action(async (trace: string, flags: ReplayFlags) => {
      const { runReplay } = await import('../../replay/replay-command.js');
      await runReplay(trace, flags);
    });
};
