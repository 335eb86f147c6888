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
      'pipeline.load.concurrency: must be an integer from 1 to 4096, got 0',
      'pipeline.preprocess.concurrency: must be an integer from 1 to 256, got -2',
      'pipeline.predict.batchSize: must be an integer from 1 to 4096, got 0',
      'pipeline.predict.intraOpThreads: must be an integer from 1 to 256, got 1.5',
      'pipeline.predict.replicas: must be an integer from 1 to 64, got 0',
      'pipeline.topK: must be an integer from 1 to 1000, got 0',
    ]);
  });

  it('puts the field in the one-line message', () => {
    const payload = { ...base, pipeline: { predict: { batchSize: 0 } } };
    expect(() => validateWorkPayload(payload)).toThrow(
      'invalid worker payload: pipeline.predict.batchSize: must be an integer from 1 to 4096, got 0',
    );
    expect(issuesOf({ ...base, pipeline: { predict: { batchSize: '32' } } })).toEqual([
      'pipeline.predict.batchSize: must be an integer from 1 to 4096, got "32"',
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
      'jobId: must be a non-empty string, got ""',
      'workerId: must be a non-empty string, got undefined',
      'model.uri: must be a non-empty string, got 3',
      'storage: must be a storage reference with a type, got null',
      'splits[0].keys[1]: must be a non-empty string, got ""',
      'splits[1]: must be an object, got "x"',
      'faults.delayMsPerSplit: must be a number >= 0, got -1',
      'faults.failAfterFirstSplit: must be true or false, got "yes"',
    ]);
    expect(issuesOf({ ...base, splits: undefined })).toEqual(['splits: must be an array, got undefined']);
    expect(issuesOf({ ...base, pipeline: 5 })).toEqual(['pipeline: must be an object, got 5']);
  });
});
