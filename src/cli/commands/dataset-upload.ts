/**
 * `obifaas dataset upload DIR --to s3://BUCKET/PREFIX`: uploads a dataset's images with bounded
 * concurrency and a progress bar, then its manifest. A subcommand of `dataset`.
 */
import type { Command } from 'commander';
import { UserError } from '../../errors.js';
import { parseIntOption } from '../options.js';

interface UploadFlags {
  to: string;
  concurrency: number;
  endpoint?: string;
  region?: string;
  forcePathStyle?: boolean;
  json?: boolean;
}

function parseEndpoint(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UserError(`--endpoint: expected a URL such as http://127.0.0.1:9000, got '${value}'`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UserError(`--endpoint: expected an http:// or https:// URL, got '${value}'`);
  }
  return value.replace(/\/+$/, '');
}

async function upload(source: string, flags: UploadFlags): Promise<void> {
  const [{ uploadDataset }, { default: cliProgress }] = await Promise.all([
    import('../../dataset/upload.js'),
    import('cli-progress'),
  ]);
  const bar =
    process.stderr.isTTY && !flags.json
      ? new cliProgress.SingleBar(
          {
            stream: process.stderr,
            format: 'uploading {bar} {value}/{total} files | {mb} MB | ETA {eta_formatted}',
            hideCursor: true,
            clearOnComplete: true,
          },
          cliProgress.Presets.shades_classic,
        )
      : undefined;
  let started = false;
  try {
    const result = await uploadDataset({
      source,
      to: flags.to,
      concurrency: flags.concurrency,
      s3: {
        ...(flags.endpoint === undefined ? {} : { endpoint: flags.endpoint }),
        ...(flags.region === undefined ? {} : { region: flags.region }),
        ...(flags.forcePathStyle === undefined ? {} : { forcePathStyle: flags.forcePathStyle }),
      },
      onProgress: ({ done, total, bytes }) => {
        if (!started) bar?.start(total, 0, { mb: '0.0' });
        started = true;
        bar?.update(done, { mb: (bytes / 1e6).toFixed(1) });
      },
    });
    bar?.stop();
    const summary = { ...result, seconds: Number(result.seconds.toFixed(3)) };
    if (flags.json) {
      process.stdout.write(`${JSON.stringify(summary)}\n`);
      return;
    }
    const mb = result.bytes / 1e6;
    const rate = result.seconds > 0 ? ` (${(mb / result.seconds).toFixed(1)} MB/s)` : '';
    process.stdout.write(
      `uploaded ${result.files} files, ${mb.toFixed(1)} MB in ${result.seconds.toFixed(1)} s${rate}\n` +
        `keys from   the ${result.keysFrom === 'manifest' ? "dataset's manifest" : 'images in the folder'}\n` +
        `destination ${result.destination}\n` +
        `manifest    ${result.manifest}\n`,
    );
  } finally {
    bar?.stop();
  }
}

/** Adds `upload` to the `dataset` command group. */
export function addDatasetUploadCommand(dataset: Command): void {
  dataset
    .command('upload')
    .description("Upload a dataset's images and its manifest to storage (usually S3).")
    .argument(
      '<dir>',
      'dataset folder (its manifest.txt decides the keys; without one, every image under it), or a manifest file',
    )
    .requiredOption('--to <location>', 'destination: s3://BUCKET/PREFIX (or a local folder)')
    .option('--concurrency <n>', 'files uploaded at once', parseIntOption('--concurrency', 1), 16)
    .option('--endpoint <url>', 'S3-compatible endpoint (MinIO, Ceph, ...); default: AWS', parseEndpoint)
    .option('--region <region>', 'S3 region (default: AWS_REGION or the profile, else us-east-1)')
    .option('--force-path-style', 'address buckets as ENDPOINT/BUCKET (default with --endpoint)')
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
    .action(async (dir: string, flags: UploadFlags) => upload(dir, flags));
}
