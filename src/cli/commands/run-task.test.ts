/**
 * `obifaas run` refuses a model whose output does not fit the task, labels that do not match the
 * classes and an embed job whose vectors cannot come back, before anything starts: one line
 * naming the model, the tensor, the expected and the actual shape, exit code 2, no output folder.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDataset } from '../../dataset/generate.js';
import { captureCli } from '../../../test/support/capture-cli.js';
import { expectRefusal } from '../../../test/support/cli-refusal.js';
import { emptyOutputModel, featureMapModel, twoOutputModel } from '../../../test/support/task-models.js';
import { pathExists } from '../../util/paths.js';

let dir: string;
let manifest: string;
const model = (name: string): string => path.join(dir, name);

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'obifaas-run-task-'));
  manifest = (await generateDataset({ count: 4, outDir: path.join(dir, 'data'), seed: 3 })).manifestPath;
  await fs.writeFile(model('feature-map.onnx'), featureMapModel());
  await fs.writeFile(model('empty.onnx'), emptyOutputModel());
  await fs.writeFile(model('two.onnx'), twoOutputModel());
  await fs.writeFile(path.join(dir, 'four-labels.txt'), 'a\nb\nc\nd\n');
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

async function refused(args: string[], pattern: RegExp): Promise<void> {
  const out = path.join(dir, `out-${Math.random().toString(36).slice(2)}`);
  const result = await captureCli('run', '--input', manifest, ...args, '--out', out);
  expectRefusal(result, pattern);
  expect(await pathExists(out)).toBe(false);
}

describe('obifaas run: the output must fit the task', () => {
  it('refuses an image-shaped output read as classes', async () => {
    await refused(
      ['--model', model('feature-map.onnx')],
      /model .*feature-map\.onnx: output 'image' has shape \[batch, 3, height, width\]; task classify needs \[N, C\] \(one score per class, C >= 1\); task embed reads it as one vector per input$/,
    );
  });

  it('refuses an output of no values per input, for classify and embed', async () => {
    await refused(
      ['--model', model('empty.onnx')],
      /output 'none' has shape \[batch, 0\]; task classify needs \[N, C\]/,
    );
    await refused(
      ['--model', model('empty.onnx'), '--task', 'embed'],
      /output 'none' has shape \[batch, 0\]; task embed needs \[N, D\] \(one vector per input, D >= 1; \[N, d1, d2, \.\.\.\] is flattened/,
    );
  });

  it('refuses labels that do not match the classes', async () => {
    await refused(
      ['--model', model('two.onnx'), '--labels', path.join(dir, 'four-labels.txt')],
      /labels file .*four-labels\.txt has 4 names but model .*two\.onnx: output 'logits' has 3 classes \[batch, 3\]/,
    );
  });

  it('refuses an output the model does not have, naming those it has', async () => {
    await refused(
      ['--model', model('two.onnx'), '--task', 'embed', '--output', 'feature'],
      /has no output 'feature' \(task embed\); did you mean 'features'\? its outputs: 'logits' \[batch, 3\], 'features' \[batch, 3, 2, 2\]/,
    );
  });

  it('refuses task settings of the other kind', async () => {
    await refused(
      ['--model', model('two.onnx'), '--task', 'embed', '--activation', 'sigmoid'],
      /task\.activation \(from --activation\): a setting of classify tasks; this task is embed$/,
    );
    await refused(
      ['--model', model('two.onnx'), '--threshold', '0.5'],
      /task\.threshold: a threshold needs activation 'sigmoid'/,
    );
  });
});
