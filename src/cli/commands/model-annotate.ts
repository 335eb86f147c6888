/** `obifaas model annotate FILE --out OUT`: writes the model's contract into its metadata. */
import type { Command } from 'commander';
import { UserError } from '../../errors.js';
import { writeFileAtomic } from '../../util/atomic-file.js';
import type { Annotated } from '../../models/annotate.js';
import { PRESET_NAMES } from '../../protocol/preprocess-presets.js';
import { TASK_KINDS } from '../../protocol/task-schema.js';
import { parseChoiceOption } from '../options.js';
import { runCommand } from '../runner.js';
import { preprocessLine } from '../../protocol/preprocess-line.js';
import { preprocessFlagDeclaration, type PreprocessFlags } from './model-contract-flags.js';

interface AnnotateFlags extends PreprocessFlags {
  labels?: string;
  task?: string;
  output?: string;
  out: string;
  json?: boolean;
}

interface AnnotateOutcome extends Omit<Annotated, 'bytes'> {
  file: string;
  out: string;
}

function formatAnnotated(r: AnnotateOutcome): string {
  const lines = [`annotated   ${r.out} (from ${r.file})`];
  if (r.preprocess) lines.push(`preprocess  ${preprocessLine(r.preprocess)}`);
  if (r.task) lines.push(`task        ${r.task.kind}${r.task.output ? `, output '${r.task.output}'` : ''}`);
  if (r.labels !== undefined) lines.push(`labels      ${r.labels} names`);
  lines.push(`metadata    ${r.written.map((e) => e.key).join(', ')}`);
  return lines.join('\n');
}

const parseKind = parseChoiceOption('--task', TASK_KINDS);

/** Adds `annotate` to the `model` command. */
export function addAnnotateCommand(model: Command): void {
  model
    .command('annotate')
    .description(
      "Write a model's contract (preprocessing, task, output, labels) into its metadata, so that jobs use it without flags.",
    )
    .addHelpText(
      'after',
      [
        '',
        "The contract goes into the ONNX file's metadata_props: obifaas.preprocess (the preprocessing, every",
        'field written out), obifaas.task (kind and output), obifaas.labels (the class names; their',
        'digest obifaas.labels_sha256 for lists over 1 MB). Declarations not given keep what the model',
        'already declares. The preprocessing is checked against the model input first, the output',
        'against the graph, the labels against the classes. Everything else in the file is kept as it is.',
        '',
        'A job reads the contract first: flags > job spec > model metadata > defaults (docs/models.md).',
        '',
        'Examples:',
        '  obifaas model annotate keras-resnet.onnx --preprocess caffe --labels labels.txt --out resnet.onnx',
        '  obifaas model annotate clip-vit.onnx --preprocess clip --task embed --output image_embeds --out clip.onnx',
      ].join('\n'),
    )
    .argument('<model>', 'ONNX model file')
    .option('--preprocess <preset>', `preprocessing preset: ${PRESET_NAMES.join(', ')}`)
    .option('--preprocess-file <file>', 'preprocessing spec (YAML or JSON), fields as in a job spec')
    .option('--labels <file>', 'class names, one per line (line i = class i)')
    .option('--task <kind>', `what jobs compute: ${TASK_KINDS.join(', ')}`)
    .option('--output <name>', 'the graph output the task reads (default: the first)')
    .requiredOption('--out <file>', 'where to write the annotated model (may be the model itself)')
    .option('--json', 'print the result as JSON')
    .action(async (file: string, flags: AnnotateFlags) => {
      const declaration = await preprocessFlagDeclaration(flags);
      const kind = flags.task === undefined ? undefined : parseKind(flags.task);
      if (!declaration && flags.labels === undefined && kind === undefined && flags.output === undefined)
        throw new UserError(
          'nothing to write: give --preprocess, --preprocess-file, --labels, --task or --output',
        );
      const { readModelFile } = await import('../../models/model-file.js');
      const { annotateModel } = await import('../../models/annotate.js');
      const { loadLabels } = await import('../../worker/model-source.js');
      await runCommand({ json: flags.json === true, render: formatAnnotated }, async () => {
        const labels = flags.labels !== undefined ? await loadLabels(flags.labels) : undefined;
        const { graph } = await readModelFile(file);
        const { bytes, ...done } = annotateModel(graph, file, {
          ...(declaration ? { preprocess: declaration } : {}),
          ...(kind !== undefined || flags.output !== undefined
            ? {
                task: {
                  ...(kind ? { kind } : {}),
                  ...(flags.output !== undefined ? { output: flags.output } : {}),
                },
              }
            : {}),
          ...(labels ? { labels } : {}),
        });
        await writeFileAtomic(flags.out, bytes);
        return { value: { file, out: flags.out, ...done } };
      });
    });
}
