/** `obifaas demo`: builds ResNet50 and a synthetic dataset if missing, then runs a job locally. */
import type { Command } from 'commander';
import { addConfigFlags } from '../config-flags.js';
import { DEMO_JOB_FLAGS } from '../job-settings.js';
import { parseIntOption } from '../options.js';
import type { CommandDefinition } from './index.js';

export interface DemoFlags extends Record<string, unknown> {
  count: number;
  /** The builtin model the demo runs (default `resnet50`), checked when the demo starts. */
  model: string;
  int8?: boolean;
  json?: boolean;
}

/** Images in the demo dataset by default. */
export const DEMO_DEFAULT_COUNT = 256;

export const demoCommand: CommandDefinition = (program: Command) => {
  const demo = program
    .command('demo')
    .description(
      'Run a whole job on this machine: ResNet50 over N synthetic images on local function processes.',
    )
    .addHelpText(
      'after',
      [
        '',
        'The first run builds the ResNet50 model (synthetic weights, so the predicted classes are',
        'meaningless) and the dataset under $OBIFAAS_HOME (default ~/.cache/obifaas); later runs',
        'reuse them. The job is static: ceil(N / 32) functions, as many running at once as there',
        'are cores. Outputs go to $OBIFAAS_HOME/runs/demo-<time> unless --out is given.',
        '--model tiny runs the small test model instead of ResNet50, for a quick look.',
      ].join('\n'),
    )
    .option('--count <n>', 'images in the dataset', parseIntOption('--count'), DEMO_DEFAULT_COUNT)
    .option('--model <name>', 'builtin model to run: resnet50 or tiny', 'resnet50')
    .option(
      '--int8',
      'run the int8 version of the model (quantized on synthetic images on first use, then cached)',
    );
  addConfigFlags(demo, DEMO_JOB_FLAGS, { configFile: false })
    .option('--json', 'print the summary as one JSON object on stdout')
    .action(async (flags: DemoFlags) => {
      const { runDemo } = await import('./demo-action.js');
      await runDemo(flags);
    });
};
