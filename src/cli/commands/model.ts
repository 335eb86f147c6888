/** `obifaas model build <name>`: builds a builtin ONNX model (synthetic weights) into a file. */
import type { Command } from 'commander';
import type { ModelFileInfo } from '../../models/build-file.js';
import { localOutOption, parseSeedOption } from '../options.js';
import { runCommand } from '../runner.js';
import type { CommandDefinition } from './index.js';
import { addAnnotateCommand } from './model-annotate.js';
import { addInspectCommand } from './model-inspect.js';
import { addQuantizeCommand, buildInt8Model } from './model-quantize.js';

interface ModelBuildFlags {
  out?: string;
  seed: number;
  int8?: boolean;
  json?: boolean;
}

/** The model file's report as text. */
export function formatModelFile(result: ModelFileInfo): string {
  return [
    `model       ${result.name} (seed ${result.seed})`,
    `path        ${result.path}`,
    `parameters  ${result.parameterCount.toLocaleString('en-US')}`,
    `GMACs/image ${(result.macsPerImage / 1e9).toFixed(2)}`,
    `size        ${(result.sizeBytes / 1e6).toFixed(1)} MB`,
    `input       ${result.inputName} float32 [N,3,224,224]`,
    `output      ${result.outputName} float32 [N,1000]`,
  ].join('\n');
}

export const modelCommand: CommandDefinition = (program: Command) => {
  const model = program
    .command('model')
    .description('Build, inspect, annotate and quantize the models Obi-FaaS runs.');
  model
    .command('build')
    .description('Build a builtin model as an ONNX file, with synthetic weights drawn from a seed.')
    .addHelpText(
      'after',
      [
        '',
        'Models:',
        '  resnet50  torchvision ResNet50 v1.5, batch norm folded: 25.5 M parameters, 4.1 GMACs per image',
        '  tiny      a small CNN with the same input and output, for tests',
        '',
        'Both take `input` float32 [N,3,224,224] (ImageNet-normalised RGB, any batch size N) and give',
        '`logits` float32 [N,1000]. The same name and seed give the same bytes. Without --out the file',
        'goes to the cache: $OBIFAAS_HOME/models/<name>-r<recipe>-seed<N>.onnx ($OBIFAAS_HOME defaults',
        'to ~/.cache/obifaas; <recipe> is the version of the weight recipe, so that a cache filled by an',
        'older version is never taken for the current one). A job that names a builtin model',
        '(--model tiny) uses its seed-0 file there, and builds it on first use. The --int8 version goes',
        'to $OBIFAAS_HOME/models/<name>-int8-r<recipe>-q<quantization>-seed<N>.onnx (<quantization> is',
        'the version of the quantization recipe); `demo --int8` and the int8 jobs of `cpr sample` and',
        '`optimize` use it.',
      ].join('\n'),
    )
    .argument('<name>', 'model to build: resnet50 or tiny')
    .option(
      '--out <file>',
      'write the model here instead of the cache (overwrites)',
      localOutOption('a model'),
    )
    .option('--seed <n>', 'seed of the synthetic weights, 0 to 4294967295', parseSeedOption(), 0)
    .option('--int8', 'build its int8 version (quantized on synthetic calibration images, cached)')
    .option('--json', 'print the result as JSON')
    .action(async (name: string, flags: ModelBuildFlags) => {
      if (flags.int8) return buildInt8Model(name, flags);
      const { buildModelFile } = await import('../../models/build-file.js');
      await runCommand({ json: flags.json === true, render: formatModelFile }, async () => ({
        value: await buildModelFile(name, { out: flags.out, seed: flags.seed }),
      }));
    });
  addInspectCommand(model);
  addAnnotateCommand(model);
  addQuantizeCommand(model);
};
