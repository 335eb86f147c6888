/** `obifaas model quantize IN --calibration INPUTS --out OUT`: static int8 quantization of a model. */
import type { Command } from 'commander';
import { UserError } from '../../errors.js';
import { localOutOption, parseChoiceOption, parseIntOption, parseNumberOption } from '../options.js';
import type { QuantizeReport } from '../../quantize/report.js';
import {
  CALIBRATION_METHODS,
  DEFAULT_CALIBRATION_METHOD,
  DEFAULT_PERCENTILE,
} from '../../quantize/ranges.js';
import { runCommand } from '../runner.js';

interface QuantizeFlags {
  calibration: string;
  out: string;
  images: number;
  heldOut: number;
  method: string;
  percentile?: number;
  perChannel: boolean;
  exclude?: string;
  seed: number;
  json?: boolean;
}

const parseMethod = parseChoiceOption('--method', CALIBRATION_METHODS);

/** Adds `quantize` to the `model` command. */
export function addQuantizeCommand(model: Command): void {
  model
    .command('quantize')
    .description('Quantize an image model to int8 (static, QDQ), calibrated on a sample of your own inputs.')
    .addHelpText(
      'after',
      [
        '',
        "Calibration runs the float32 model over images sampled from --calibration (the job's manifest",
        "or folder), through the same preprocessing a job uses, and records every activation's range.",
        'The output holds QuantizeLinear/DequantizeLinear pairs that ONNX Runtime fuses into int8',
        'kernels: int8 weights (per output channel unless --no-per-channel), int32 biases, uint8',
        'activations. Part of the sample is held out to measure how often the int8 model agrees with',
        'the float32 one. Calibrate on real inputs: synthetic or unrepresentative images ruin accuracy',
        '(docs/int8.md).',
        '',
        'The same model, calibration images, flags and version give the same output bytes: its metadata',
        "records the SHA-256 of the model and of the images used, the settings and the tool's version,",
        'never a path or a time.',
      ].join('\n'),
    )
    .argument('<model>', 'float32 ONNX model file')
    .requiredOption('--calibration <inputs>', 'manifest or folder of calibration images (local or s3://)')
    .requiredOption('--out <file>', 'where to write the int8 model', localOutOption('a model'))
    .option('--images <n>', 'calibration images', parseIntOption('--images'), 64)
    .option(
      '--held-out <n>',
      'further images held out to measure agreement',
      parseIntOption('--held-out', 0),
      16,
    )
    .option(
      '--method <name>',
      `how ranges are chosen: ${CALIBRATION_METHODS.join(', ')}`,
      DEFAULT_CALIBRATION_METHOD,
    )
    .option(
      '--percentile <p>',
      `share of values kept by --method percentile, in % (default: ${DEFAULT_PERCENTILE})`,
      parseNumberOption('--percentile'),
    )
    .option('--per-channel', 'one weight scale per output channel', true)
    .option('--no-per-channel', 'one weight scale per tensor')
    .option(
      '--exclude <nodes>',
      'comma-separated node names to keep in float32 (@first, @last: the first, last Conv/Gemm/MatMul)',
    )
    .option('--seed <n>', 'seed of the image sample', parseIntOption('--seed', 0), 1)
    .option('--json', 'print the report as JSON')
    .action(async (file: string, flags: QuantizeFlags) => {
      const method = parseMethod(flags.method);
      if (
        flags.percentile !== undefined &&
        (method !== 'percentile' || flags.percentile <= 50 || flags.percentile > 100)
      ) {
        throw new UserError('--percentile: only with --method percentile, a number above 50 and at most 100');
      }
      const { quantizeModel } = await import('../../quantize/quantize-model.js');
      const { formatReport, reportJson } = await import('../../quantize/report.js');
      const options = {
        model: file,
        out: flags.out,
        calibration: flags.calibration,
        images: flags.images,
        heldOut: flags.heldOut,
        method,
        percentile: flags.percentile,
        perChannel: flags.perChannel,
        exclude: flags.exclude?.split(',') ?? [],
        seed: flags.seed,
      };
      await runCommand<QuantizeReport>(
        {
          json: flags.json === true,
          render: (report, width) => formatReport(report, width).trimEnd(),
          // Infinite SQNR (exact) has no JSON number: it is written as null.
          toJson: (report) => JSON.parse(reportJson(report)) as unknown,
        },
        async (ctx) => {
          ctx.status.show(
            () => `Quantizing ${file} | calibrating on ${flags.images} images, then measuring ...`,
          );
          return { value: await quantizeModel(options) };
        },
      );
    });
}

/** What `model build NAME --int8` reports. */
interface Int8ModelInfo {
  name: string;
  seed: number;
  path: string;
  sizeBytes: number;
  /** Top-1 agreement with float32 on held-out calibration images; null when read from the cache. */
  agreement: { top1Agreements: number; images: number } | null;
}

function formatInt8Model(result: Int8ModelInfo): string {
  const lines = [
    `model       ${result.name} (seed ${result.seed}; int8 weights, uint8 activations, QDQ)`,
    `path        ${result.path}`,
    `size        ${(result.sizeBytes / 1e6).toFixed(1)} MB`,
  ];
  const a = result.agreement;
  if (a)
    lines.push(
      `agreement   top-1 ${a.top1Agreements}/${a.images} with float32 on held-out calibration images`,
    );
  return lines.join('\n');
}

/** `obifaas model build NAME --int8`: the int8 version of a builtin model, from the cache or built into it. */
export async function buildInt8Model(
  name: string,
  flags: { out?: string; seed: number; json?: boolean },
): Promise<void> {
  const { parseBuiltinModelName } = await import('../../models/builtin.js');
  const { ensureInt8BuiltinModel } = await import('../../quantize/builtin.js');
  const { copyFile, stat } = await import('node:fs/promises');
  const model = parseBuiltinModelName(name);
  await runCommand({ json: flags.json === true, render: formatInt8Model }, async (ctx) => {
    ctx.status.show(() => `Quantizing ${model} (built and cached on first use) ...`);
    let agreement: Int8ModelInfo['agreement'] = null;
    let file = await ensureInt8BuiltinModel(model, {
      seed: flags.seed,
      onBuilt: (report) => (agreement = report.agreement),
    });
    if (flags.out) {
      try {
        await copyFile(file, flags.out);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code ?? String(err);
        throw new UserError(`cannot write model to '${flags.out}': ${code}`);
      }
      file = flags.out;
    }
    const value: Int8ModelInfo = {
      name: `${model}-int8`,
      seed: flags.seed,
      path: file,
      sizeBytes: (await stat(file)).size,
      agreement,
    };
    return { value };
  });
}
