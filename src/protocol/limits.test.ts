/**
 * One limit per pipeline setting, shared by both sides: a job spec over a limit is refused with
 * the setting's field path before anything starts, and a worker refuses a payload over the same
 * limit, so no job compiles that its functions would then refuse.
 */
import { describe, expect, it } from 'vitest';
import { SpecError } from '../errors.js';
import { compileJobSpec } from '../spec/compile.js';
import { validateWorkPayload } from '../worker/validate-payload.js';
import { MAX_BATCH_SIZE, MAX_TOP_K, PIPELINE_LIMITS, type PipelineField } from './limits.js';

const context = { cores: 4, now: new Date('2024-05-01T12:00:00Z'), cwd: '/work' };

/** `{predict: {batchSize: value}}` for `predict.batchSize`, `{topK: value}` for `topK`. */
function nested(field: PipelineField, value: number): Record<string, unknown> {
  const [group, name] = field.split('.') as [string, string | undefined];
  return name === undefined ? { [group]: value } : { [group]: { [name]: value } };
}

/** Job options with one pipeline setting (`topK` sits at the top of a job spec). */
function jobWith(field: PipelineField, value: number): Record<string, unknown> {
  const base = { inputs: 'data/manifest.txt', model: 'tiny' };
  return field === 'topK' ? { ...base, topK: value } : { ...base, pipeline: nested(field, value) };
}

function payloadWith(field: PipelineField, value: number): Record<string, unknown> {
  return {
    kind: 'static',
    jobId: 'job-1',
    workerId: 'w-0',
    model: { uri: '/models/m.onnx' },
    storage: { type: 'fs', root: '/data' },
    pipeline: nested(field, value),
    splits: [{ splitId: '0', keys: ['a.jpg'] }],
  };
}

function specIssues(options: unknown): string[] {
  try {
    compileJobSpec(options, context);
    return [];
  } catch (err) {
    expect(err).toBeInstanceOf(SpecError);
    return (err as SpecError).issues.map((i) => `${i.path}: ${i.message}`);
  }
}

function payloadIssues(payload: unknown): string[] {
  try {
    validateWorkPayload(payload);
    return [];
  } catch (err) {
    expect(err).toBeInstanceOf(SpecError);
    return (err as SpecError).issues.map((i) => `${i.path}: ${i.message}`);
  }
}

/** The spec's path of a setting: `pipeline.predict.batchSize`, but plain `topK`. */
const specPath = (field: PipelineField): string => (field === 'topK' ? 'topK' : `pipeline.${field}`);

describe('pipeline limits shared by the job spec and the worker', () => {
  it('refuse a batch of 5000 on both sides, naming the field', () => {
    expect(MAX_BATCH_SIZE).toBeLessThan(5000);
    expect(specIssues(jobWith('predict.batchSize', 5000))).toEqual([
      `pipeline.predict.batchSize: expected an integer from 1 to ${MAX_BATCH_SIZE}, got 5000`,
    ]);
    expect(payloadIssues(payloadWith('predict.batchSize', 5000))).toEqual([
      `pipeline.predict.batchSize: expected an integer from 1 to ${MAX_BATCH_SIZE}, got 5000`,
    ]);
  });

  it('agree on topK: the largest the spec accepts, the worker accepts', () => {
    expect(specIssues(jobWith('topK', MAX_TOP_K))).toEqual([]);
    expect(payloadIssues(payloadWith('topK', MAX_TOP_K))).toEqual([]);
    expect(specIssues(jobWith('topK', MAX_TOP_K + 1))).toEqual([
      `topK: expected an integer from 1 to ${MAX_TOP_K}, got ${MAX_TOP_K + 1}`,
    ]);
    expect(payloadIssues(payloadWith('topK', MAX_TOP_K + 1))).toEqual([
      `pipeline.topK: expected an integer from 1 to ${MAX_TOP_K}, got ${MAX_TOP_K + 1}`,
    ]);
  });

  it.each(Object.entries(PIPELINE_LIMITS) as [PipelineField, number][])(
    '%s: the limit passes both sides, one over fails both',
    (field, max) => {
      expect(specIssues(jobWith(field, max))).toEqual([]);
      expect(payloadIssues(payloadWith(field, max))).toEqual([]);
      expect(specIssues(jobWith(field, max + 1))).toEqual([
        `${specPath(field)}: expected an integer from 1 to ${max}, got ${max + 1}`,
      ]);
      expect(payloadIssues(payloadWith(field, max + 1))).toEqual([
        `pipeline.${field}: expected an integer from 1 to ${max}, got ${max + 1}`,
      ]);
    },
  );

  it('a compiled spec at every limit is a pipeline the worker accepts', () => {
    const pipeline = {
      load: { concurrency: PIPELINE_LIMITS['load.concurrency'] },
      preprocess: { concurrency: PIPELINE_LIMITS['preprocess.concurrency'] },
      predict: {
        batchSize: PIPELINE_LIMITS['predict.batchSize'],
        intraOpThreads: PIPELINE_LIMITS['predict.intraOpThreads'],
        interOpThreads: PIPELINE_LIMITS['predict.interOpThreads'],
        replicas: PIPELINE_LIMITS['predict.replicas'],
      },
    };
    const spec = compileJobSpec({ inputs: 'm.txt', model: 'tiny', pipeline, topK: MAX_TOP_K }, context);
    const payload = { ...payloadWith('topK', 1), pipeline: spec.pipeline };
    expect(validateWorkPayload(payload).pipeline).toEqual(spec.pipeline);
  });
});
