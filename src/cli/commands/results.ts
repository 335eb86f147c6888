/** `obifaas results DIR --format csv|parquet|jsonl`: a job's results in input order, for loading elsewhere. */
import type { Command } from 'commander';
import { UserError } from '../../errors.js';
import { addConfigFlags } from '../config-flags.js';
import { S3_CONNECTION_FLAGS } from '../job-settings.js';
import { runCommand } from '../runner.js';
import type { CommandDefinition } from './index.js';

const FORMATS = ['csv', 'parquet', 'jsonl'];

export const resultsCommand: CommandDefinition = (program: Command) => {
  const results = program
    .command('results')
    .description("Export a job's results in input order as CSV, Parquet or JSON lines.")
    .argument('<dir>', 'a job folder (results.jsonl)')
    .addHelpText(
      'after',
      [
        '',
        "One row per input, in the order of the job's inputs: key, error, then for each of the top-k",
        'classes top<k>_class, top<k>_label (with a labels file) and top<k>_score; for an embed job,',
        "embedding_row (the vector's row in embeddings.parquet) and embedding_dims. JSON lines keep the",
        "lines of results.jsonl as they are. A completed job's results.jsonl is already in input order;",
        "a cancelled or failed one is put in order with the job's inputs.",
        '',
        'Examples:',
        '  obifaas results ./obifaas-out/photos-20240501-120000 --format parquet',
        '  obifaas results ./obifaas-out/photos-20240501-120000 --format csv --out - | head',
      ].join('\n'),
    )
    .option('--format <format>', 'csv, parquet or jsonl', 'csv')
    .option(
      '--out <file>',
      "where to write (default: DIR/results.csv, results.parquet or results.input-order.jsonl; '-': stdout), or s3://BUCKET/KEY",
    )
    .option('--json', 'print what was written as one JSON object (not with --out -)');
  addConfigFlags(results, S3_CONNECTION_FLAGS, { configFile: false }).action(
    async (dir: string, flags: { format: string; out?: string; json?: boolean }) => {
      if (!FORMATS.includes(flags.format))
        throw new UserError(`--format: expected csv, parquet or jsonl, got '${flags.format}'`);
      if (flags.json === true && flags.out === '-')
        throw new UserError(
          '--out - and --json both write to stdout: give --out FILE with --json, or leave --json out',
        );
      const { exportResults } = await import('../../report/results/export.js');
      const { localFolderArg, writeFileOutput } = await import('../s3-out.js');
      await runCommand(
        {
          json: flags.json === true,
          // `--out -`: the results themselves; otherwise what was written.
          render: (done) => done.text ?? `wrote ${done.file} (${done.rows} rows, ${done.format})`,
          toJson: ({ text: _text, ...done }) => done,
        },
        async () => {
          const { value: done, uploadedTo } = await writeFileOutput(flags.out, flags, (out) =>
            exportResults(localFolderArg(dir, 'results'), flags.format as 'csv', out),
          );
          return { value: uploadedTo ? { ...done, file: uploadedTo } : done, notes: done.notes };
        },
      );
    },
  );
};
