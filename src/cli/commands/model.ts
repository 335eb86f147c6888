/** `obifaas model build <name>`: builds a builtin ONNX model (synthetic weights) into a file. */
import type { Command } from 'commander';
import { UserError } from '../../errors.js';
import type { CommandDefinition } from './index.js';

interface ModelBuildFlags {
  out?: string;
  seed: number;
  json?: boolean;
}

function parseSeed(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n > 0xffffffff) {
    throw new UserError(`--seed: expected an integer from 0 to 4294967295, got '${value}'`);
  }
  return n;
}

export const modelCommand: CommandDefinition = (program: Command) => {
  const model = program.command('model').description('Build and inspect the models Obi-FaaS runs.');
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
        'goes to the cache, $OBIFAAS_HOME (default ~/.cache/obifaas)/models/<name>-seed<N>.onnx,',
        'where a model reference by name (resnet50, tiny) finds it.',
      ].join('\n'),
    )
    .argument('<name>', 'model to build: resnet50 or tiny')
    .option('--out <file>', 'write the model here instead of the cache (overwrites)')
    .option('--seed <n>', 'seed of the synthetic weights, 0 to 4294967295', parseSeed, 0)
    .option('--json', 'print the result as JSON')
    .action(async (name: string, flags: ModelBuildFlags) => {
      const { buildModelFile } = await import('../../models/build-file.js');
      const result = await buildModelFile(name, { out: flags.out, seed: flags.seed });
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(result)}\n`);
        return;
      }
      const lines = [
        `model       ${result.name} (seed ${result.seed})`,
        `path        ${result.path}`,
        `parameters  ${result.parameterCount.toLocaleString('en-US')}`,
        `GMACs/image ${(result.macsPerImage / 1e9).toFixed(2)}`,
        `size        ${(result.sizeBytes / 1e6).toFixed(1)} MB`,
        `input       ${result.inputName} float32 [N,3,224,224]`,
        `output      ${result.outputName} float32 [N,1000]`,
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
    });
};
