/**
 * `obifaas trace make|check`: synthetic day traces in the reference's CSV schema, and a check
 * of any trace (jobs, sizes, arrivals per hour, malformed rows with their lines).
 */
import type { Command } from 'commander';
import { localOutOption, parseIntOption, parseNumberOption, parseSeedOption } from '../options.js';
import type { CommandDefinition } from './index.js';

const DEFAULTS = { seed: 1, date: '2024-01-15', medianImages: 200, sizeSigma: 1.5, maxImages: 100_000 };

export const traceCommand: CommandDefinition = (program: Command) => {
  const trace = program
    .command('trace')
    .description('Make and check day traces: CSV files with one job per row (STARTED, ds_id, n_images_ds).');

  trace
    .command('make')
    .description('Write a synthetic day of jobs with a diurnal arrival pattern and heavy-tailed job sizes.')
    .addHelpText(
      'after',
      [
        '',
        'Arrivals: a non-homogeneous Poisson process over one UTC day, quiet at night, peaking',
        'around 10:30 and 15:00. Sizes: log-normal with the given median and sigma of ln(size)',
        '(defaults: median 200 images, sigma 1.5: about 0.5 % of jobs above 10,000 images), capped',
        'at --max-images. The same --seed always gives the same file.',
        '',
        'Examples:',
        '  obifaas trace make --jobs 20 --out day-20.csv',
        '  obifaas trace make --jobs 10000 --seed 7 --date 2024-06-03 > day.csv',
      ].join('\n'),
    )
    .requiredOption('--jobs <n>', 'number of jobs', parseIntOption('--jobs'))
    .option('--seed <n>', 'random seed', parseSeedOption(), DEFAULTS.seed)
    .option('--date <YYYY-MM-DD>', 'the day (UTC)', DEFAULTS.date)
    .option('--out <file>', 'write the CSV here (default: standard output)', localOutOption('a trace'))
    .option(
      '--median-images <n>',
      'median job size',
      parseNumberOption('--median-images', 1),
      DEFAULTS.medianImages,
    )
    .option(
      '--size-sigma <x>',
      'standard deviation of ln(job size)',
      parseNumberOption('--size-sigma'),
      DEFAULTS.sizeSigma,
    )
    .option('--max-images <n>', 'largest job', parseIntOption('--max-images'), DEFAULTS.maxImages)
    .option(
      '--json',
      'with --out: print what was written as one JSON object (file, jobs, images, date, seed)',
    )
    .action(async (flags) => {
      const { runTraceMake } = await import('./trace-run.js');
      await runTraceMake(flags);
    });

  trace
    .command('check')
    .description('Read a trace and report its jobs, sizes, arrivals per hour and any malformed rows.')
    .argument('<trace>', 'trace CSV file')
    .option('--strict', 'fail (exit 2) if any row is malformed')
    .option('--json', 'print one JSON object')
    .action(async (file: string, flags: { strict?: boolean; json?: boolean }) => {
      const { runTraceCheck } = await import('./trace-run.js');
      await runTraceCheck(file, flags);
    });
};
