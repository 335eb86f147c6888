/** The worker handler with models it cannot use: each refusal names the file and what is wrong. */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { payload, runHandler, useHandlerWorld, world } from '../support/worker-handler.js';
import {
  poolModel,
  rank2Model,
  twoInputModel,
  uint8InputModel,
  writeModel,
} from '../support/worker-models.js';

useHandlerWorld();

describe('handle with a bad model', () => {
  const withModel = (uri: string, labelsUri?: string) =>
    payload(['img0.jpg'], { model: labelsUri ? { uri, labelsUri } : { uri } });

  it('names a missing model file', async () => {
    await expect(runHandler(withModel(path.join(world.dir, 'nope.onnx')))).rejects.toThrow(
      `model file not found: ${path.join(world.dir, 'nope.onnx')}`,
    );
  });

  it('names a file that is not ONNX, or empty', async () => {
    const text = await writeModel(world.dir, 'readme.onnx', 'this is not a model');
    await expect(runHandler(withModel(text))).rejects.toThrow(
      new RegExp(`cannot load model ${text}: not a valid ONNX model`),
    );
    const empty = await writeModel(world.dir, 'empty.onnx', '');
    await expect(runHandler(withModel(empty))).rejects.toThrow(`model file is empty (0 bytes): ${empty}`);
  });

  it.each([
    [
      'rank2.onnx',
      rank2Model(),
      /expected an image batch float32 \[N, 3, 224, 224\] .*actual float32 \[batch, 10\] \(rank 2\)/,
    ],
    [
      'gray.onnx',
      poolModel(['batch', 1, 28, 28]),
      /actual float32 \[batch, 1, 28, 28\]: the model does not take 3-channel images/,
    ],
    ['two.onnx', twoInputModel(), /has 2 inputs \(a, b\)/],
    [
      'u8.onnx',
      uint8InputModel(),
      /input 'input': expected float32 \[N, 3, 224, 224\] .*actual uint8 \[batch, 3, 224, 224\]; declare dtype uint8/,
    ],
  ])('explains why %s has the wrong input', async (name, bytes, message) => {
    const file = await writeModel(world.dir, name, bytes);
    const error = await runHandler(withModel(file)).then(
      () => null,
      (err: unknown) => err as Error,
    );
    expect(error?.name).toBe('ModelError');
    expect(error?.message).toMatch(message);
    expect(error?.message).toContain(file);
  });

  it('checks the labels file against the model', async () => {
    const labels = await writeModel(world.dir, 'labels.txt', 'cat\ndog\n');
    await expect(runHandler(withModel(world.tinyModel, labels))).rejects.toThrow(
      /labels file .* has 2 names but model .* has 1000 classes/,
    );
    await expect(runHandler(withModel(world.tinyModel, path.join(world.dir, 'none.txt')))).rejects.toThrow(
      /labels file not found/,
    );
  });

  it('refuses a model in a bucket its deployment does not allow, before any request', async () => {
    await expect(runHandler(withModel('s3://bucket/model.onnx'))).rejects.toThrow(
      /model\.uri: bucket 'bucket' is not one this function's deployment lets it read/,
    );
  });
});
