/**
 * `obifaas dataset make`: writes a synthetic ImageNet-like JPEG dataset and its manifest.
 * `obifaas dataset manifest`: writes a manifest listing the images of a folder.
 * `obifaas dataset upload`: copies a dataset to S3 (defined in `dataset-upload.ts`).
 */
import type { Command } from 'commander';
import { UserError } from '../../errors.js';
import { parseIntOption } from '../options.js';
import { addDatasetUploadCommand } from './dataset-upload.js';
import type { CommandDefinition } from './index.js';

interface MakeFlags {
  count: number;
  out: string;
  seed: number;
  qualityMin: number;
  qualityMax: number;
  concurrency?: number;
  json?: boolean;
}

interface ManifestFlags {
  out?: string;
  json?: boolean;
}

function parseQuality(flag: string): (value: string) => number {
  return (value: string) => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || n < 1 || n > 100) {
      throw new UserError(`${flag}: expected an integer from 1 to 100, got '${value}'`);
    }
    return n;
  };
}

function parseSeed(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n > 0xffffffff) {
    throw new UserError(`--seed: expected an integer from 0 to 4294967295, got '${value}'`);
  }
  return n;
}

async function makeDataset(flags: MakeFlags): Promise<void> {
  if (flags.qualityMin > flags.qualityMax) {
    throw new UserError(
      `--quality-min (${flags.qualityMin}) must not be above --quality-max (${flags.qualityMax})`,
    );
  }
  const [{ generateDataset }, { default: cliProgress }] = await Promise.all([
    import('../../dataset/generate.js'),
    import('cli-progress'),
  ]);
  const bar =
    process.stderr.isTTY && !flags.json
      ? new cliProgress.SingleBar(
          {
            stream: process.stderr,
            format: 'writing images {bar} {value}/{total} | {mb} MB | ETA {eta_formatted}',
            hideCursor: true,
            clearOnComplete: true,
          },
          cliProgress.Presets.shades_classic,
        )
      : undefined;
  bar?.start(flags.count, 0, { mb: '0.0' });
  const started = performance.now();
  try {
    const result = await generateDataset({
      count: flags.count,
      outDir: flags.out,
      seed: flags.seed,
      qualityMin: flags.qualityMin,
      qualityMax: flags.qualityMax,
      ...(flags.concurrency === undefined ? {} : { concurrency: flags.concurrency }),
      onProgress: ({ done, bytes }) => bar?.update(done, { mb: (bytes / 1e6).toFixed(1) }),
    });
    bar?.stop();
    const seconds = (performance.now() - started) / 1000;
    const summary = {
      count: result.keys.length,
      out: result.manifestPath.slice(0, -'/manifest.txt'.length),
      manifest: result.manifestPath,
      bytes: result.bytes,
      seed: flags.seed,
      seconds: Number(seconds.toFixed(3)),
    };
    if (flags.json) {
      process.stdout.write(`${JSON.stringify(summary)}\n`);
      return;
    }
    process.stdout.write(
      `wrote ${summary.count} images (${(result.bytes / 1e6).toFixed(1)} MB) in ${seconds.toFixed(1)} s\n` +
        `manifest    ${result.manifestPath}\n`,
    );
  } finally {
    bar?.stop();
  }
}

async function writeFolderManifest(folder: string, flags: ManifestFlags): Promise<void> {
  const [{ resolveInputs }, { writeManifest, MANIFEST_FILE_NAME }, path, fs] = await Promise.all([
    import('../../dataset/inputs.js'),
    import('../../dataset/manifest.js'),
    import('node:path'),
    import('node:fs/promises'),
  ]);
  const stat = await fs.stat(folder).catch(() => undefined);
  if (!stat?.isDirectory()) throw new UserError(`'${folder}' is not a folder`);
  const inputs = await resolveInputs(folder);
  const root = inputs.storage.type === 'fs' ? inputs.storage.root : path.resolve(folder);
  const out = path.resolve(flags.out ?? path.join(root, MANIFEST_FILE_NAME));
  if (path.dirname(out) !== root) {
    throw new UserError(
      `--out: the manifest must be in the folder it lists ('${root}'), since keys are relative to it`,
    );
  }
  await writeManifest(out, inputs.keys, [`images of ${root}`, 'keys are relative to this folder']);
  if (flags.json) {
    process.stdout.write(`${JSON.stringify({ count: inputs.keys.length, manifest: out })}\n`);
  } else {
    process.stdout.write(`listed ${inputs.keys.length} images in ${out}\n`);
  }
}

export const datasetCommand: CommandDefinition = (program: Command) => {
  const dataset = program.command('dataset').description('Make datasets and their manifests.');
  dataset
    .command('make')
    .description('Write a synthetic ImageNet-like dataset of JPEGs and a manifest listing them.')
    .addHelpText(
      'after',
      [
        '',
        'Writes DIR/images/00000.jpg ... and DIR/manifest.txt (one key per line, relative to DIR).',
        'Images look like ImageNet photos to a decoder: mostly about 500x375, 60 % landscape, 30 %',
        'portrait, 10 % square, about 5 % small (short side under 200 px) and 5 % over 1000 px,',
        'JPEG quality 85-95; content has colour regions, soft-edged shapes, stripes, lines and',
        'texture. The same seed gives the same files. Use the manifest as a job input:',
        '  obifaas run --input DIR/manifest.txt --model FILE',
      ].join('\n'),
    )
    .option('--count <n>', 'number of images', parseIntOption('--count', 1), 256)
    .requiredOption(
      '--out <dir>',
      'folder to write into (created when missing; existing images are replaced)',
    )
    .option('--seed <n>', 'seed, 0 to 4294967295', parseSeed, 1)
    .option('--quality-min <q>', 'lowest JPEG quality, 1 to 100', parseQuality('--quality-min'), 85)
    .option('--quality-max <q>', 'highest JPEG quality, 1 to 100', parseQuality('--quality-max'), 95)
    .option(
      '--concurrency <n>',
      'images in flight at once (default: twice the cores)',
      parseIntOption('--concurrency', 1),
    )
    .option('--json', 'print the result as one JSON object')
    .action(async (flags: MakeFlags) => makeDataset(flags));

  dataset
    .command('manifest')
    .description('Write a manifest listing every image under a folder (by extension, recursively, sorted).')
    .argument('<folder>', 'folder of images')
    .option('--out <file>', 'manifest file, inside the folder (default: <folder>/manifest.txt)')
    .option('--json', 'print the result as one JSON object')
    .action(async (folder: string, flags: ManifestFlags) => writeFolderManifest(folder, flags));

  addDatasetUploadCommand(dataset);
};
