/**
 * The flags `replay` and `simulate` share: how the trace becomes a schedule, the caps and the
 * job policy. Registered once, so that both commands word and parse them alike.
 */
import { Option, type Command } from 'commander';
import {
  parseDurationOption,
  parseFractionOption,
  parseIntOption,
  parseNumberOption,
  parsePositiveOption,
  parseWaitOption,
} from '../options.js';

/** Adds the schedule, cap and policy flags (all but --max-workers, whose default differs). */
export function addDayFlags(command: Command): Command {
  return command
    .option(
      '--speed <x>',
      'time compression of the trace (60: an hour in a minute)',
      parsePositiveOption('--speed'),
      1,
    )
    .addOption(
      new Option(
        '--max-wait <duration>',
        "longest gap between arrivals kept, before --speed ('none' keeps all)",
      )
        .argParser(parseWaitOption('--max-wait'))
        .default(600_000, '10m'),
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
      parseDurationOption('--deadline'),
    )
    .option(
      '--cpr-model <file>',
      'CPR model JSON for the cpr/deadline policies (default: the reference model)',
    )
    .option(
      '--min-grant-fraction <f>',
      'share of its workers a job waits for (0: start on whatever is free, like the reference)',
      parseFractionOption('--min-grant-fraction'),
      0,
    )
    .addOption(
      new Option('--max-head-wait <duration>', 'later jobs may overtake a waiting job only this long')
        .argParser(parseWaitOption('--max-head-wait'))
        .default(60_000, '60s'),
    )
    .option('--strict', 'fail (exit 2) if any trace row is malformed, instead of skipping it');
}
