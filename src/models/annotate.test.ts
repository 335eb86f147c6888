import { describe, expect, it } from 'vitest';
import { ModelError, UserError } from '../errors.js';
import { presetValues } from '../protocol/preprocess-presets.js';
import { annotateModel } from './annotate.js';
import {
  LABELS_METADATA_KEY,
  LABELS_SHA256_METADATA_KEY,
  PREPROCESS_METADATA_KEY,
  TASK_METADATA_KEY,
} from './contract-metadata.js';
import { metadataOfBytes } from './metadata-props.js';
import { contractFromMetadata, labelsDigest } from './model-contract.js';
import { inspectModel } from './model-inspection.js';
import { readGraph } from './onnx-graph.js';
import { buildTiny } from './tiny.js';

const tiny = buildTiny().bytes;
const names = Array.from({ length: 1000 }, (_, i) => `class ${i}`);

describe('annotateModel', () => {
  it('writes the contract into the metadata and keeps the graph as it was', async () => {
    const graph = readGraph(tiny);
    const done = annotateModel(graph, 'tiny.onnx', {
      preprocess: { from: '--preprocess clip', spec: { preset: 'clip' } },
      task: { kind: 'classify', output: 'logits' },
      labels: names,
    });
    expect(done.preprocess).toEqual(presetValues('clip'));
    const props = await metadataOfBytes(done.bytes);
    const before = await metadataOfBytes(tiny);
    expect([...props.keys()].sort()).toEqual(
      [...before.keys(), LABELS_METADATA_KEY, PREPROCESS_METADATA_KEY, TASK_METADATA_KEY].sort(),
    );
    expect(JSON.parse(props.get(PREPROCESS_METADATA_KEY) ?? '')).toMatchObject({
      preset: 'clip',
      size: [224, 224],
      interpolation: 'bicubic',
      resize: { mode: 'shorter-side', cropFraction: 1 },
    });
    const { contract, issues } = contractFromMetadata(props, 'tiny.onnx');
    expect(issues).toEqual([]);
    expect(contract.task).toEqual({ kind: 'classify', output: 'logits' });
    expect(contract.labels).toEqual(names);
    const again = readGraph(done.bytes);
    expect(again.nodes.map((n) => n.name)).toEqual(graph.nodes.map((n) => n.name));
    const graphBytes = (g: typeof graph): Buffer => Buffer.from(g.layout.graphField.value as Uint8Array);
    expect(graphBytes(again).equals(graphBytes(graph))).toBe(true);
  });

  it('makes a job on the model take its declarations, below any flags', () => {
    const annotated = annotateModel(readGraph(tiny), 'tiny.onnx', {
      preprocess: { from: '--preprocess caffe', spec: { preset: 'caffe' } },
    }).bytes;
    const own = inspectModel(readGraph(annotated), 'tiny.onnx', annotated.length);
    expect(own.problems).toEqual([]);
    expect(own.preprocess).toEqual(presetValues('caffe'));
    expect(own.preprocessFrom.channels).toBe('model metadata (obifaas.preprocess)');
    const flagged = inspectModel(readGraph(annotated), 'tiny.onnx', annotated.length, [
      { from: '--preprocess', spec: { preset: 'imagenet' } },
    ]);
    expect(flagged.preprocess.channels).toBe('RGB');
    expect(flagged.preprocessFrom.channels).toBe('preset imagenet (--preprocess)');
  });

  it('keeps what it is not told to change, and replaces the labels with their digest or names', async () => {
    const first = annotateModel(readGraph(tiny), 'tiny.onnx', {
      preprocess: { from: '--preprocess clip', spec: { preset: 'clip' } },
    }).bytes;
    const second = annotateModel(readGraph(first), 'tiny.onnx', { labels: names }).bytes;
    const props = await metadataOfBytes(second);
    expect(JSON.parse(props.get(PREPROCESS_METADATA_KEY) ?? '').preset).toBe('clip');
    expect(props.get(LABELS_METADATA_KEY)?.split('\n')).toHaveLength(1000);
    const long = names.map((n) => n.padEnd(2000, '.'));
    const third = annotateModel(readGraph(second), 'tiny.onnx', { labels: long }).bytes;
    const after = await metadataOfBytes(third);
    expect(after.has(LABELS_METADATA_KEY)).toBe(false);
    expect(after.get(LABELS_SHA256_METADATA_KEY)).toBe(labelsDigest(long));
  });

  it('refuses a preprocessing the model cannot take, an output it lacks, labels of another class count', () => {
    const graph = readGraph(tiny);
    expect(() =>
      annotateModel(graph, 'tiny.onnx', {
        preprocess: { from: '--preprocess inception', spec: { preset: 'inception' } },
      }),
    ).toThrow(ModelError);
    expect(() =>
      annotateModel(graph, 'tiny.onnx', {
        preprocess: { from: '--preprocess inception', spec: { preset: 'inception' } },
      }),
    ).toThrow(
      /input 'input': expected float32 \[N, 299, 299, 3\] .* actual float32 \[batch, 3, 224, 224\]: the model takes NCHW input/,
    );
    expect(() => annotateModel(graph, 'tiny.onnx', { task: { output: 'logit' } })).toThrow(UserError);
    expect(() => annotateModel(graph, 'tiny.onnx', { task: { output: 'logit' } })).toThrow(
      /no output 'logit'; did you mean 'logits'\?/,
    );
    expect(() => annotateModel(graph, 'tiny.onnx', { labels: names.slice(0, 10) })).toThrow(
      /--labels has 10 names but model tiny.onnx has 1000 classes/,
    );
  });
});

describe('metadataOfBytes', () => {
  it('reads what the builder wrote, no contract, and refuses bytes that are not a model', async () => {
    const props = await metadataOfBytes(tiny);
    expect(props.get('obifaas.model')).toBe('tiny');
    expect(contractFromMetadata(props, 'tiny.onnx')).toEqual({ contract: {}, issues: [] });
    await expect(metadataOfBytes(new TextEncoder().encode('hello, this is not a model'))).rejects.toThrow(
      /not an ONNX model/,
    );
  });
});
