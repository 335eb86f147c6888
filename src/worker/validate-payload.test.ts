import { describe, expect, it } from 'vitest';
import { SpecError } from '../errors.js';
import { defaultPipelineConfig } from './defaults.js';
import { validateWorkPayload } from './validate-payload.js';

const base = {
  kind: 'static',
  jobId: 'job-1',
  workerId: 'w-0',
  model: { uri: '/models/m.onnx' },
  storage: { type: 'fs', root: '/data' },
  pipeline: defaultPipelineConfig(2),
  splits: [{ splitId: '0', keys: ['a.jpg', 'b.jpg'] }],
};

function issuesOf(payload: unknown): string[] {
  try {
    validateWorkPayload(payload);
  } catch (err) {
    expect(err).toBeInstanceOf(SpecError);
    return (err as SpecError).issues.map((i) => `${i.path}: ${i.message}`);
  }
  return [];
}

describe('validateWorkPayload', () => {
  it('accepts a complete payload unchanged', () => {
    expect(validateWorkPayload(base)).toEqual(base);
  });

  it('fills missing pipeline settings with defaults', () => {
    const out = validateWorkPayload({ ...base, pipeline: { predict: { batchSize: 8 } } });
    expect(out.pipeline.predict.batchSize).toBe(8);
    expect(out.pipeline.load.concurrency).toBe(defaultPipelineConfig().load.concurrency);
    expect(validateWorkPayload({ ...base, pipeline: undefined }).pipeline).toEqual(defaultPipelineConfig());
  });

  it('names every nonsense setting by its field path', () => {
    const pipeline = {
      load: { concurrency: 0 },
      preprocess: { concurrency: -2 },
      predict: { batchSize: 0, intraOpThreads: 1.5, interOpThreads: 1, replicas: 0 },
      topK: 0,
    };
    expect(issuesOf({ ...base, pipeline })).toEqual([
      'pipeline.load.concurrency: expected an integer from 1 to 4096, got 0',
      'pipeline.preprocess.concurrency: expected an integer from 1 to 256, got -2',
      'pipeline.predict.batchSize: expected an integer from 1 to 4096, got 0',
      'pipeline.predict.intraOpThreads: expected an integer from 1 to 256, got 1.5',
      'pipeline.predict.replicas: expected an integer from 1 to 64, got 0',
      'pipeline.topK: expected an integer from 1 to 1000, got 0',
    ]);
  });

  it('puts the field in the one-line message', () => {
    const payload = { ...base, pipeline: { predict: { batchSize: 0 } } };
    expect(() => validateWorkPayload(payload)).toThrow(
      'invalid worker payload: pipeline.predict.batchSize: expected an integer from 1 to 4096, got 0',
    );
    expect(issuesOf({ ...base, pipeline: { predict: { batchSize: '32' } } })).toEqual([
      "pipeline.predict.batchSize: expected an integer from 1 to 4096, got '32'",
    ]);
  });

  it('checks ids, model, storage, splits and faults', () => {
    expect(
      issuesOf({
        kind: 'static',
        jobId: '',
        model: { uri: 3 },
        storage: null,
        splits: [{ splitId: 's', keys: ['ok', ''] }, 'x'],
        faults: { delayMsPerSplit: -1, failAfterFirstSplit: 'yes' },
      }),
    ).toEqual([
      "jobId: expected a non-empty string, got ''",
      'workerId: missing: expected a string',
      'model.uri: expected a string, got 3',
      'storage: expected an object, got null',
      "faults.failAfterFirstSplit: expected true or false, got 'yes'",
      'faults.delayMsPerSplit: expected a number from 0 to 2147483647, got -1',
      "splits[0].keys[1]: expected a non-empty key, got ''",
      "splits[1]: expected an object, got 'x'",
    ]);
    expect(issuesOf({ ...base, splits: undefined })).toEqual(['splits: missing: expected a list']);
    expect(issuesOf({ ...base, pipeline: 5 })).toEqual(['pipeline: expected an object, got 5']);
  });

  it('checks the kind, and names an unknown key with the closest known one', () => {
    expect(issuesOf({ ...base, kind: 'ping' })).toEqual([
      "kind: expected one of 'static', 'dynamic', got 'ping'",
    ]);
    expect(issuesOf(null)).toEqual(['(top level): expected an object, got null']);
    expect(issuesOf({ ...base, modle: base.model })).toEqual(["modle: unknown key; did you mean 'model'?"]);
    // A dynamic payload has no splits: the keys of its own kind are offered, not the static ones.
    const dynamic = {
      ...base,
      kind: 'dynamic',
      dispatcher: { host: 'h', port: 1, token: 't', keepAliveIntervalMs: 100 },
    };
    expect(issuesOf(dynamic)).toEqual([
      'splits: unknown key; expected one of: kind, jobId, workerId, model, storage, pipeline, task, faults, dispatcher',
    ]);
    expect(issuesOf({ ...base, storage: { type: 's4', bucket: 'b' } })).toEqual([
      "storage.type: expected one of 'fs', 's3', got 's4'; did you mean 's3'?",
    ]);
  });

  it('refuses prototype keys at any level, before anything else', () => {
    const payload = JSON.parse(
      '{"kind":"static","jobId":"j","workerId":"w","model":{"uri":"m","__proto__":{"polluted":1}},' +
        '"storage":{"type":"fs","root":"/","constructor":1},"splits":[{"splitId":"0","keys":[],"prototype":{}}]}',
    ) as unknown;
    expect(issuesOf(payload)).toEqual([
      "model.__proto__: the key '__proto__' is refused at any level",
      "storage.constructor: the key 'constructor' is refused at any level",
      "splits[0].prototype: the key 'prototype' is refused at any level",
    ]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
