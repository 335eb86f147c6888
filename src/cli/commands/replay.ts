/**
 * `obifaas replay TRACE.csv --input DATASET --model MODEL`: a day of jobs run for real, each
 * job submitted at its (compressed) arrival time to the orchestrator and run by its own job
 * manager under the worker and job caps.
 */
import type { Command } from 'commander';
import type { ReplayFlags } from '../../replay/replay-trace.js';
import { addConfigFlags } from '../config-flags.js';
import { REPLAY_JOB_FLAGS } from '../job-settings.js';
import { parseIntOption } from '../options.js';
import { addDayFlags } from './day-flags.js';
import type { CommandDefinition } from './index.js';

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
        'or settings (nothing ran), 130 when cancelled by Ctrl-C, SIGTERM or SIGHUP (running jobs still',
        'give every input a line, and day.json is written; a second one quits at once).',
        '',
        'Examples:',
        '  obifaas trace make --jobs 20 --median-images 40 --out day-20.csv',
        '  obifaas replay day-20.csv --input ./photos --model tiny --speed 600 --max-workers 4 --max-jobs 2',
      ].join('\n'),
    );
  addDayFlags(replay)
    .option(
      '--max-workers <n>',
      'functions running at once over all jobs (default: the backend concurrency; local: number of cores)',
      parseIntOption('--max-workers'),
    )
    .option(
      '--out <dir>',
      'day folder, new or empty; or s3://BUCKET/PREFIX (written in --staging, uploaded at the end)',
    )
    .option('--json', 'print the day report as one JSON object');
  addConfigFlags(replay, REPLAY_JOB_FLAGS).action(async (trace: string, flags: ReplayFlags) => {
    const { runReplay } = await import('./replay-run.js');
    await runReplay(trace, flags);
  });
};
