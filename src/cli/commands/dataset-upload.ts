/**
 * `obifaas dataset upload DIR --to s3://BUCKET/PREFIX`: uploads a dataset's images with bounded
 * concurrency and a progress bar, then its manifest. A subcommand of `dataset`.
 */
import { Option, type Command } from 'commander';
import type { UploadDatasetResult } from '../../dataset/upload.js';
import { addConfigFlags } from '../config-flags.js';
import { S3_CONNECTION_FLAGS } from '../job-settings.js';
import { parseIntOption, parseUrlOption } from '../options.js';
import { transferProgress } from '../progress.js';
import { runCommand } from '../runner.js';
import type { StatusLine } from '../status-line.js';

interface UploadFlags {
  to: string;
  concurrency: number;
  /** The earlier names of `--s3-endpoint`, `--s3-region` and `--s3-force-path-style`, kept working. */
  endpoint?: string;
  region?: string;
  forcePathStyle?: boolean;
  json?: boolean;
  [flag: string]: unknown;
}

/** The upload's report as text: files, size, rate, where they went. */
function formatUpload(result: UploadDatasetResult): string {
  const mb = result.bytes / 1e6;
  const rate = result.seconds > 0 ? ` (${(mb / result.seconds).toFixed(1)} MB/s)` : '';
  return (
    `uploaded ${result.files} files, ${mb.toFixed(1)} MB in ${result.seconds.toFixed(1)} s${rate}\n` +
    `keys from   the ${result.keysFrom === 'manifest' ? "dataset's manifest" : 'images in the folder'}\n` +
    `destination ${result.destination}\n` +
    `manifest    ${result.manifest}`
  );
}

async function upload(source: string, flags: UploadFlags, status: StatusLine): Promise<UploadDatasetResult> {
  const { uploadDataset } = await import('../../dataset/upload.js');
  const { s3LocationSettings } = await import('../s3-out.js');
  const { connection } = await s3LocationSettings(flags, '--to');
  const result = await uploadDataset({
    source,
    to: flags.to,
    concurrency: flags.concurrency,
    s3: {
      ...connection,
      ...(flags.endpoint === undefined ? {} : { endpoint: flags.endpoint }),
      ...(flags.region === undefined ? {} : { region: flags.region }),
      ...(flags.forcePathStyle === undefined ? {} : { forcePathStyle: flags.forcePathStyle }),
    },
    onProgress: transferProgress(status, 'uploading', 'files'),
  });
  return { ...result, seconds: Number(result.seconds.toFixed(3)) };
}

/** Adds `upload` to the `dataset` command group. */
export function addDatasetUploadCommand(dataset: Command): void {
  const command = dataset
    .command('upload')
    .description("Upload a dataset's images and its manifest to storage (usually S3).")
    .argument(
      '<dir>',
      'dataset folder (its manifest.txt decides the keys; without one, every image under it), or a manifest file',
    )
    .requiredOption('--to <location>', 'destination: s3://BUCKET/PREFIX (or a local folder)')
    .option('--concurrency <n>', 'files uploaded at once', parseIntOption('--concurrency', 1), 16)
    .addOption(
      new Option('--endpoint <url>')
        .argParser(parseUrlOption('--endpoint', 'http://127.0.0.1:9000'))
        .hideHelp(),
    )
    .addOption(new Option('--region <region>').hideHelp())
    .addOption(new Option('--force-path-style').hideHelp());
  addConfigFlags(command, S3_CONNECTION_FLAGS, { configFile: false })
    .option('--json', 'print the result as one JSON object')
    .addHelpText(
      'after',
      [
        '',
        'Keys keep their paths relative to DIR, under PREFIX: DIR/images/00001.jpg goes to',
        's3://BUCKET/PREFIX/images/00001.jpg. The manifest (PREFIX/manifest.txt) is written last,',
        'so its presence means the upload completed; use it as a job input:',
        '  obifaas run --input s3://BUCKET/PREFIX/manifest.txt ...',
        'Credentials come from the AWS SDK default chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY,',
        'AWS_PROFILE, SSO, or a role); they are never printed. Throttling and 5xx answers are',
        'retried with backoff.',
      ].join('\n'),
    )
    .action(async (dir: string, flags: UploadFlags) =>
      runCommand({ json: flags.json === true, render: formatUpload }, async ({ status }) => ({
        value: await upload(dir, flags, status),
      })),
    );
}
