import { describe, expect, it } from 'vitest';
import { checkTaskOutput, type TensorInfo } from './task-output.js';

const out = (name: string, shape: TensorInfo['shape'], type = 'float32'): TensorInfo => ({
  name,
  type,
  shape,
});

describe('checkTaskOutput', () => {
  it('reads the first output unless one is named, and fills in the defaults', () => {
    const outputs = [out('logits', ['N', 1000]), out('features', ['N', 1280])];
    expect(checkTaskOutput('m.onnx', { kind: 'classify' }, outputs)).toEqual({
      ok: true,
      task: { kind: 'classify', output: 'logits', activation: 'auto', threshold: null },
      width: 1000,
    });
    expect(checkTaskOutput('m.onnx', { kind: 'embed', output: 'features' }, outputs)).toEqual({
      ok: true,
      task: { kind: 'embed', output: 'features', normalize: false },
      width: 1280,
    });
  });

  it('refuses a feature map read as classes, and an output of no values, naming both shapes', () => {
    expect(checkTaskOutput('m.onnx', { kind: 'classify' }, [out('y', ['batch', 3, 224, 224])])).toEqual({
      ok: false,
      problem:
        "model m.onnx: output 'y' has shape [batch, 3, 224, 224]; task classify needs [N, C] (one score per class, C >= 1); task embed reads it as one vector per input",
    });
    const empty = checkTaskOutput('m.onnx', { kind: 'classify' }, [out('y', ['N', 0])]);
    expect(empty).toMatchObject({ ok: false, problem: expect.stringContaining('has shape [N, 0]') });
    expect(empty).toMatchObject({ problem: expect.not.stringContaining('task embed') });
    const embedEmpty = checkTaskOutput('m.onnx', { kind: 'embed' }, [out('y', ['N', 8, 0])]);
    expect(embedEmpty).toMatchObject({
      ok: false,
      problem: expect.stringContaining('task embed needs [N, D]'),
    });
    expect(checkTaskOutput('m.onnx', { kind: 'embed' }, [out('y', ['N'])]).ok).toBe(false);
  });

  it('flattens a multi-dimensional output for embed, and leaves symbolic sizes to run time', () => {
    expect(checkTaskOutput('m', { kind: 'embed' }, [out('y', ['N', 8, 2, 2])])).toMatchObject({
      ok: true,
      width: 32,
    });
    expect(checkTaskOutput('m', { kind: 'embed' }, [out('y', ['N', 'dim'])])).toMatchObject({
      ok: true,
      width: null,
    });
    expect(checkTaskOutput('m', { kind: 'classify' }, [out('y', null)])).toMatchObject({
      ok: true,
      width: null,
    });
  });

  it('names the outputs when the chosen one does not exist, and refuses non-float outputs', () => {
    const outputs = [out('logits', ['N', 10]), out('ids', ['N'], 'int64')];
    expect(checkTaskOutput('m.onnx', { kind: 'embed', output: 'feat' }, outputs)).toEqual({
      ok: false,
      problem: "model m.onnx has no output 'feat' (task embed); its outputs: 'logits' [N, 10], 'ids' [N]",
    });
    expect(checkTaskOutput('m.onnx', { kind: 'embed', output: 'logit' }, outputs)).toEqual({
      ok: false,
      problem:
        "model m.onnx has no output 'logit' (task embed); did you mean 'logits'? its outputs: 'logits' [N, 10], 'ids' [N]",
    });
    expect(checkTaskOutput('m.onnx', { kind: 'classify', output: 'ids' }, outputs)).toMatchObject({
      ok: false,
      problem: expect.stringContaining("output 'ids' holds int64 values"),
    });
  });

  it('checks the labels against the classes', () => {
    const outputs = [out('logits', ['N', 10])];
    const labels = { count: 9, file: 'labels.txt' };
    expect(checkTaskOutput('m.onnx', { kind: 'classify' }, outputs, labels)).toEqual({
      ok: false,
      problem: "labels file labels.txt has 9 names but model m.onnx: output 'logits' has 10 classes [N, 10]",
    });
    expect(checkTaskOutput('m.onnx', { kind: 'classify' }, outputs, { ...labels, count: 10 }).ok).toBe(true);
  });
});
