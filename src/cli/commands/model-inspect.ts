/** `obifaas model inspect FILE`: what a model takes and gives, and the contract a job would give it. */
import type { Command } from 'commander';
import type { ModelInspection } from '../../models/model-inspection.js';
import { PRESET_NAMES } from '../../protocol/preprocess-presets.js';
import { runCommand } from '../runner.js';
import { preprocessLine } from '../../protocol/preprocess-line.js';
import { preprocessFlagDeclaration, type PreprocessFlags } from './model-contract-flags.js';

interface InspectFlags extends PreprocessFlags {
  json?: boolean;
}

const shape = (s: ReadonlyArray<number | string> | null): string =>
  s === null ? '(shape not declared)' : `[${s.join(', ')}]`;

/** The inspection as text. */
export function formatInspection(r: ModelInspection): string {
  const width = 12;
  const row = (label: string, value: string): string => `${label.padEnd(width)}${value}`;
  const ops = Object.entries(r.operators)
    .map(([op, n]) => `${op} ${n}`)
    .join(', ');
  const lines = [
    row('model', `${r.file} (${(r.sizeBytes / 1e6).toFixed(1)} MB)`),
    ...r.inputs.map((t, i) => row(i === 0 ? 'inputs' : '', `${t.name} ${t.dtype} ${shape(t.shape)}`)),
    ...r.outputs.map((t, i) => row(i === 0 ? 'outputs' : '', `${t.name} ${t.dtype} ${shape(t.shape)}`)),
    row(
      'opset',
      `${Object.entries(r.opset)
        .map(([d, v]) => `${d} ${v}`)
        .join(', ')} (IR version ${r.irVersion})`,
    ),
    row('operators', `${r.nodes} nodes: ${ops}`),
    row('parameters', r.parameters.toLocaleString('en-US')),
    row('quantized', r.quantized ? 'yes' : 'no'),
  ];
  const meta = Object.entries(r.metadata);
  if (meta.length === 0) lines.push(row('metadata', '(none)'));
  meta.forEach(([k, v], i) => {
    const text = v.replace(/\n/g, '\\n');
    lines.push(
      row(i === 0 ? 'metadata' : '', `${k} = ${text.length > 100 ? `${text.slice(0, 97)}...` : text}`),
    );
  });
  lines.push(row('preprocess', preprocessLine(r.preprocess)));
  for (const [field, from] of Object.entries(r.preprocessFrom))
    lines.push(row('', `  ${field.padEnd(14)}${from}`));
  const t = r.task;
  const taskText = [
    t.kind,
    t.output ? `output '${t.output}'` : 'first output',
    ...Object.entries(t)
      .filter(([k]) => k !== 'kind' && k !== 'output')
      .map(([k, v]) => `${k} ${String(v)}`),
  ].join(', ');
  lines.push(row('task', `${taskText} (${r.taskFrom})`));
  lines.push(
    row(
      'labels',
      r.labels === null
        ? 'none in the model (give --labels to a job)'
        : 'count' in r.labels
          ? `${r.labels.count} names (${r.labels.from})`
          : `sha256 ${r.labels.sha256} (${r.labels.from})`,
    ),
  );
  if (r.problems.length === 0) lines.push(row('job', 'a job with these declarations would run'));
  else r.problems.forEach((p, i) => lines.push(row(i === 0 ? 'refused' : '', p)));
  return lines.join('\n');
}

/** Adds `inspect` to the `model` command. */
export function addInspectCommand(model: Command): void {
  model
    .command('inspect')
    .description(
      "Show a model's inputs, outputs, operators, parameters and metadata, and the contract a job would use.",
    )
    .addHelpText(
      'after',
      [
        '',
        'The contract is what a job on this model would run: the preprocessing (each field with where it',
        "came from: these flags, the model's metadata (obifaas model annotate), the default preset),",
        'the task and the labels. A model whose input does not fit that preprocessing, or whose output',
        'does not fit the task, is listed as refused, with the reason a job would give (inspect itself',
        'still exits 0).',
        '',
        'Examples:',
        '  obifaas model inspect model.onnx',
        '  obifaas model inspect model.onnx --preprocess clip --json',
      ].join('\n'),
    )
    .argument('<model>', 'ONNX model file')
    .option('--preprocess <preset>', `as a job with this preset would: ${PRESET_NAMES.join(', ')}`)
    .option('--preprocess-file <file>', 'as a job with this preprocessing file (YAML or JSON) would')
    .option('--json', 'print the inspection as one JSON object')
    .action(async (file: string, flags: InspectFlags) => {
      const declaration = await preprocessFlagDeclaration(flags);
      const { readModelFile } = await import('../../models/model-file.js');
      const { inspectModel } = await import('../../models/model-inspection.js');
      await runCommand({ json: flags.json === true, render: formatInspection }, async () => {
        const { graph, sizeBytes } = await readModelFile(file);
        return { value: inspectModel(graph, file, sizeBytes, declaration ? [declaration] : []) };
      });
    });
}
