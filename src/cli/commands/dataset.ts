/**
 * `obifaas dataset make`: writes a synthetic ImageNet-like JPEG dataset and its manifest.
 * `obifaas dataset manifest`: writes a manifest listing the images of a folder.
 * `obifaas dataset upload`: copies a dataset to S3 (defined in `dataset-upload.ts`).
 */
import path from 'node:path';
import type { Command } from 'commander';
import { UserError } from '../../errors.js';
import { localOutOption, parseIntOption, parseIntRangeOption, parseSeedOption } from '../options.js';
import { transferProgress } from '../progress.js';
import { runCommand } from '../runner.js';
import type { StatusLine } from '../status-line.js';
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

/** What `dataset make` did. */
interface MadeDataset {
  count: number;
  out: string;
  manifest: string;
  bytes: number;
  seed: number;
  seconds: number;
}

async function makeDataset(flags: MakeFlags, status: StatusLine): Promise<MadeDataset> {
  if (flags.qualityMin > flags.qualityMax) {
    throw new UserError(
      `--quality-min (${flags.qualityMin}) must not be above --quality-max (${flags.qualityMax})`,
    );
  }
  const { generateDataset } = await import('../../dataset/generate.js');
  const started = performance.now();
  const result = await generateDataset({
    count: flags.count,
    outDir: flags.out,
    seed: flags.seed,
    qualityMin: flags.qualityMin,
    qualityMax: flags.qualityMax,
    ...(flags.concurrency === undefined ? {} : { concurrency: flags.concurrency }),
    onProgress: transferProgress(status, 'writing images', 'images'),
  });
  return {
    count: result.keys.length,
    out: path.dirname(result.manifestPath),
    manifest: result.manifestPath,
    bytes: result.bytes,
    seed: flags.seed,
    seconds: Number(((performance.now() - started) / 1000).toFixed(3)),
  };
}

const formatMade = (made: MadeDataset): string =>
  `wrote ${made.count} images (${(made.bytes / 1e6).toFixed(1)} MB) in ${made.seconds.toFixed(1)} s\n` +
  `manifest    ${made.manifest}`;

async function writeFolderManifest(
  folder: string,
  flags: ManifestFlags,
): Promise<{ count: number; manifest: string }> {
  const [{ resolveInputs }, { writeManifest, MANIFEST_FILE_NAME }, fs] = await Promise.all([
    import('../../dataset/inputs.js'),
    import('../../dataset/manifest.js'),
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
  return { count: inputs.keys.length, manifest: out };
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
      localOutOption('a dataset (`obifaas dataset upload` copies one to S3)'),
    )
    .option('--seed <n>', 'seed, 0 to 4294967295', parseSeedOption(), 1)
    .option(
      '--quality-min <q>',
      'lowest JPEG quality, 1 to 100',
      parseIntRangeOption('--quality-min', 1, 100),
      85,
    )
    .option(
      '--quality-max <q>',
      'highest JPEG quality, 1 to 100',
      parseIntRangeOption('--quality-max', 1, 100),
      95,
    )
    .option(
      '--concurrency <n>',
      'images in flight at once (default: twice the cores)',
      parseIntOption('--concurrency', 1),
    )
    .option('--json', 'print the result as one JSON object')
    .action(async (flags: MakeFlags) =>
      runCommand({ json: flags.json === true, render: formatMade }, async ({ status }) => ({
        value: await makeDataset(flags, status),
      })),
    );

  dataset
    .command('manifest')
    .description('Write a manifest listing every image under a folder (by extension, recursively, sorted).')
    .argument('<folder>', 'folder of images')
    .option(
      '--out <file>',
      'manifest file, inside the folder (default: <folder>/manifest.txt)',
      localOutOption('a manifest'),
    )
    .option('--json', 'print the result as one JSON object')
    .action(async (folder: string, flags: ManifestFlags) =>
      runCommand(
        { json: flags.json === true, render: (r) => `listed ${r.count} images in ${r.manifest}` },
        async () => ({ value: await writeFolderManifest(folder, flags) }),
      ),
    );

  addDatasetUploadCommand(dataset);
};
