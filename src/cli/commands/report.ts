/** `obifaas report DIR`: a folder's report as one self-contained HTML page. */
import type { Command } from 'commander';
import { addConfigFlags } from '../config-flags.js';
import { S3_CONNECTION_FLAGS } from '../job-settings.js';
import type { CommandDefinition } from './index.js';

/** Flags of `obifaas report`, as commander parses them. */
export interface ReportFlags extends Record<string, unknown> {
  out?: string;
  compare?: string;
  json?: boolean;
}

export const reportCommand: CommandDefinition = (program: Command) => {
  const report = program
    .command('report')
    .description('Write the report of a job, a replay or a simulation as one HTML page that opens anywhere.')
    .argument(
      '<dir>',
      'a job folder (job.json), a replay or simulate folder (day.json), or a folder of SVG plots',
    )
    .addHelpText(
      'after',
      [
        '',
        'A job: the totals, a timeline (a row per worker, a bar per invocation: cold start, work, splits,',
        'retries, speculative copies, failures, timeouts; hover or click a bar), progress over time,',
        'where the time went (pipeline stages, billed and init time, the tail), cost by category, errors',
        "by message, the spec and model, and links to the job's files. `obifaas run` writes it into every",
        'job folder (--no-report: not).',
        '',
        'Two jobs (--compare OTHER_JOB, e.g. a model and its int8 version over the same inputs): which is',
        'cheaper per image and by how much, which is faster, how often the top-1 classes agree; every',
        'figure side by side (B / A, B - A), how each ran (model, precision, SHA-256, workers, memory, batch',
        'size), the top-5 overlap, the inputs whose top-1 differs and those that are an error in one only.',
        "Embed jobs: the cosine similarity of each input's two vectors (min, median, mean, the least alike).",
        'Inputs that only partly overlap are compared on those both have. Default page:',
        "DIR/compare-<OTHER_JOB's folder name>.html. --json prints the whole comparison.",
        '',
        'A day (replay or simulate): latency and queueing delay against arrival, functions and jobs',
        'running against the caps, cost per job against the CPR target, the jobs. --compare OTHER_DIR',
        'adds the per-job latency error against another day of the same trace (a replay against a',
        'simulation).',
        '',
        'The page is self-contained: inline SVG, a little inline CSS and script, no network.',
        '',
        'Examples:',
        '  obifaas report ./obifaas-out/photos-20240501-120000',
        '  obifaas report ./replay-day --compare ./simulate-day --out day.html',
        '  obifaas report ./out/photos-float32 --compare ./out/photos-int8',
      ].join('\n'),
    )
    .option('--out <file>', 'where to write the page (default: DIR/report.html), or s3://BUCKET/KEY')
    .option(
      '--compare <dir>',
      'a job: another job over the same inputs to compare with; a day: another day of the same trace',
    )
    .option('--json', 'print what was written as one JSON object');
  addConfigFlags(report, S3_CONNECTION_FLAGS, { configFile: false }).action(
    async (dir: string, flags: ReportFlags) => {
      const { runReport } = await import('./report-run.js');
      await runReport(dir, flags);
    },
  );
};
