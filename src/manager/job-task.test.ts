/**
 * The job manager's task checks before anything starts: the model's declared output against the
 * task (read from the graph, no runtime), and an embed job's replies against their transport.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileJobSpec } from '../spec/compile.js';
import { emptyOutputModel, featureMapModel, twoOutputModel } from '../../test/support/task-models.js';
import { checkEmbedReplies, resolveJobTask, type JobTask } from './job-task.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'obifaas-job-task-'));
  await writeFile(path.join(dir, 'two.onnx'), twoOutputModel());
  await writeFile(path.join(dir, 'map.onnx'), featureMapModel());
  await writeFile(path.join(dir, 'empty.onnx'), emptyOutputModel());
  await writeFile(path.join(dir, 'junk.onnx'), 'not a model');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function spec(extra: Record<string, unknown> = {}) {
  return compileJobSpec(
    { inputs: 'in.txt', model: path.join(dir, 'two.onnx'), out: path.join(dir, 'out'), ...extra },
    { cores: 2, now: new Date(), cwd: dir },
  );
}

describe('resolveJobTask', () => {
  it('resolves the output and its values per input', async () => {
    const uri = path.join(dir, 'two.onnx');
    expect(await resolveJobTask(spec(), { uri })).toEqual({
      task: { kind: 'classify' },
      resolved: { kind: 'classify', output: 'logits', activation: 'auto', threshold: null },
      width: 3,
    });
    const embed = spec({ task: { kind: 'embed', output: 'features', normalize: true } });
    expect(await resolveJobTask(embed, { uri })).toMatchObject({
      resolved: { kind: 'embed', output: 'features', normalize: true },
      width: 12,
    });
  });

  it('refuses outputs that do not fit, with a ModelError naming model, tensor and shapes', async () => {
    await expect(resolveJobTask(spec(), { uri: path.join(dir, 'map.onnx') })).rejects.toMatchObject({
      name: 'ModelError',
      message: expect.stringMatching(
        /map\.onnx: output 'image' has shape \[batch, 3, height, width\]; task classify needs \[N, C\]/,
      ),
    });
    await expect(resolveJobTask(spec(), { uri: path.join(dir, 'empty.onnx') })).rejects.toThrow(
      /\[batch, 0\]/,
    );
  });

  it('leaves a model it cannot read to the functions', async () => {
    expect(await resolveJobTask(spec(), { uri: path.join(dir, 'junk.onnx') })).toEqual({
      task: { kind: 'classify' },
      resolved: null,
      width: null,
    });
    expect(await resolveJobTask(spec(), { uri: 's3://bucket/model.onnx' })).toMatchObject({ resolved: null });
  });
});

describe('checkEmbedReplies', () => {
  const embed = (width: number | null): JobTask => ({
    task: { kind: 'embed' },
    resolved: { kind: 'embed', output: 'f', normalize: false },
    width,
  });
  const keys = Array.from({ length: 2000 }, (_, i) => `images/${String(i).padStart(5, '0')}.jpg`);
  const lambda = { backend: { type: 'lambda', functionPrefix: 'obifaas' } };

  it('refuses a static invocation whose vectors exceed Lambda’s 6 MB response', () => {
    expect(() => checkEmbedReplies(spec({ ...lambda, workers: 2 }), keys, embed(1280))).toThrow(
      /^embed: the vectors of one invocation \(1000 inputs x 1280 float32 values, about 6\.6 MB\) do not fit in Lambda's 6 MB response limit; use at most 900 inputs per invocation \(--workers 3 or more, or --mode dynamic\)$/,
    );
    expect(() => checkEmbedReplies(spec({ ...lambda, workers: 3 }), keys, embed(1280))).not.toThrow();
    // Local functions have no reply limit; classify jobs and unknown lengths are not checked here.
    expect(() => checkEmbedReplies(spec({ workers: 1 }), keys, embed(1280))).not.toThrow();
    expect(() => checkEmbedReplies(spec({ ...lambda, workers: 1 }), keys, embed(null))).not.toThrow();
  });

  it("refuses a dynamic split whose vectors exceed the dispatcher's message limit", () => {
    const dynamic = { mode: 'dynamic', splitSize: 2000 };
    expect(() => checkEmbedReplies(spec(dynamic), keys, embed(1280))).toThrow(
      /^embed: the vectors of one split \(2000 inputs x 1280 float32 values, about 9\.8 MB\) do not fit in the dispatcher's 8\.0 MB message limit; use --split-size 1625 or less$/,
    );
    expect(() => checkEmbedReplies(spec({ ...dynamic, splitSize: 1625 }), keys, embed(1280))).not.toThrow();
  });
});
