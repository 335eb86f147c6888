/**
 * The model's contract, resolved from one reading of its graph (no runtime): the task against the
 * model's outputs and where each of its fields came from, the labels against the classes.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exitCodeFor } from '../cli/exit-codes.js';
import { ModelError, SpecError } from '../errors.js';
import { annotateModel } from '../models/annotate.js';
import { readGraph } from '../models/onnx-graph.js';
import { compileJobSpec } from '../spec/compile.js';
import { emptyOutputModel, featureMapModel, twoOutputModel } from '../../test/support/task-models.js';
import { UNREAD_MODEL_BYTES } from '../../test/support/unread-model.js';
import { resolveJobContract } from './job-contract.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'obifaas-job-contract-'));
  await writeFile(path.join(dir, 'two.onnx'), twoOutputModel());
  await writeFile(path.join(dir, 'map.onnx'), featureMapModel());
  await writeFile(path.join(dir, 'empty.onnx'), emptyOutputModel());
  await writeFile(path.join(dir, 'junk.onnx'), 'not a model');
  await writeFile(path.join(dir, 'nothing.onnx'), '');
  await writeFile(path.join(dir, 'stub.ort'), UNREAD_MODEL_BYTES);
  await writeFile(path.join(dir, 'two-labels.txt'), 'cat\ndog\n');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function spec(extra: Record<string, unknown> = {}, sources?: Map<string, string>) {
  return compileJobSpec(
    { inputs: 'in.txt', model: path.join(dir, 'two.onnx'), out: path.join(dir, 'out'), ...extra },
    { cores: 2, now: new Date(), cwd: dir, ...(sources ? { sources } : {}) },
  );
}

const contractOf = (s: ReturnType<typeof spec>, model: string, labelsUri?: string) =>
  resolveJobContract(
    s,
    { uri: path.join(dir, model), ...(labelsUri ? { labelsUri: path.join(dir, labelsUri) } : {}) },
    { type: 'fs', root: dir },
    { home: dir },
  );

describe('resolveJobContract: the task', () => {
  it('resolves the output and its values per input, and says where the task came from', async () => {
    const classify = await contractOf(spec(), 'two.onnx');
    expect(classify.task).toEqual({
      task: { kind: 'classify' },
      resolved: { kind: 'classify', output: 'logits', activation: 'auto', threshold: null },
      width: 3,
    });
    expect(classify.record?.from['task.kind']).toBe('default');
    const flagged = spec(
      { task: { kind: 'embed', output: 'features', normalize: true } },
      new Map([
        ['task.kind', '--task'],
        ['task.output', 'OBIFAAS_OUTPUT'],
      ]),
    );
    const embed = await contractOf(flagged, 'two.onnx');
    expect(embed.task).toMatchObject({
      resolved: { kind: 'embed', output: 'features', normalize: true },
      width: 12,
    });
    expect(embed.record?.from).toMatchObject({
      'task.kind': '--task',
      'task.output': 'OBIFAAS_OUTPUT',
      'task.normalize': 'job spec',
    });
  });

  it('refuses outputs that do not fit, with a ModelError naming model, tensor and shapes', async () => {
    await expect(contractOf(spec(), 'map.onnx')).rejects.toMatchObject({
      name: 'ModelError',
      message: expect.stringMatching(
        /map\.onnx: output 'image' has shape \[batch, 3, height, width\]; task classify needs \[N, C\]/,
      ),
    });
    await expect(contractOf(spec(), 'empty.onnx')).rejects.toThrow(/\[batch, 0\]/);
  });

  it('refuses a labels file whose names are not one per class', async () => {
    await expect(contractOf(spec(), 'two.onnx', 'two-labels.txt')).rejects.toMatchObject({
      name: 'ModelError',
      message: expect.stringMatching(/two-labels\.txt/),
    });
  });

  it('refuses bytes that are not an ONNX model (exit 2), an empty file too', async () => {
    for (const [file, reason] of [
      ['junk.onnx', /not an ONNX model \(cannot parse protobuf/],
      ['nothing.onnx', /an empty file, not an ONNX model/],
    ] as const) {
      const refused = await contractOf(spec(), file).then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(refused, file).toBeInstanceOf(ModelError);
      expect(exitCodeFor(refused)).toBe(2);
      expect((refused as Error).message).toMatch(new RegExp(`model .*${file}: `));
      expect((refused as Error).message).toMatch(reason);
    }
  });

  it('records whether the model is quantized (real MobileNetV2 int8 and float32 fixtures)', async () => {
    expect((await contractOf(spec(), 'two.onnx')).record?.quantized).toBe(false);
    const fixtures = path.resolve(import.meta.dirname, '..', '..', '..', 'shared', 'fixtures', 'imagenet');
    const quantized = async (file: string) =>
      (await resolveJobContract(spec(), { uri: path.join(fixtures, file) }, { type: 'fs', root: dir })).record
        ?.quantized;
    expect(await quantized('mobilenetv2-12-int8.onnx')).toBe(true);
    expect(await quantized('mobilenetv2-12-fp32-from-int8.onnx')).toBe(false);
  });

  it("leaves a model in ONNX Runtime's own format (.ort) to the functions", async () => {
    expect(await contractOf(spec(), 'stub.ort')).toMatchObject({
      task: { task: { kind: 'classify' }, resolved: null, width: null },
      record: null,
    });
  });
});

describe('resolveJobContract: settings of the other task', () => {
  it('refuses top-k and labels for a job that the model makes an embed job, naming where top-k was set', async () => {
    const annotated = annotateModel(readGraph(twoOutputModel()), 'two.onnx', {
      task: { kind: 'embed', output: 'features' },
    }).bytes;
    await writeFile(path.join(dir, 'embed.onnx'), annotated);
    const refused = (s: ReturnType<typeof spec>) =>
      contractOf(s, 'embed.onnx').then(
        () => null,
        (err: unknown) => err,
      );
    const flagged = await refused(spec({ topK: 3 }, new Map([['topK', '--top-k']])));
    expect(flagged).toBeInstanceOf(SpecError);
    expect(exitCodeFor(flagged)).toBe(2);
    expect((flagged as Error).message).toBe(
      `invalid task: topK (from --top-k): a setting of classify tasks; this task is embed (task.kind: model metadata (obifaas.task) of ${path.join(dir, 'embed.onnx')})`,
    );
    // The job spec object: the same refusal, the field named as written.
    expect(((await refused(spec({ topK: 3 }))) as Error).message).toMatch(
      /^invalid task: topK: a setting of classify/,
    );
    await expect(contractOf(spec(), 'embed.onnx', 'two-labels.txt')).rejects.toThrow(
      /^invalid task: labels: class names are for classify tasks; this task is embed \(task\.kind: model metadata/,
    );
    // Without top-k the model's task runs; a classify model takes top-k.
    expect((await contractOf(spec(), 'embed.onnx')).task.task.kind).toBe('embed');
    expect((await contractOf(spec({ topK: 3 }), 'two.onnx')).task.task.kind).toBe('classify');
  });
});
