import { describe, expect, it } from 'vitest';
import { UserError } from '../errors.js';
import { compileJobSpec } from '../spec/compile.js';
import type { DispatchSpec, ResolvedJobSpec } from '../spec/types.js';
import { jobSpecFor, type ManagedJob } from './job-runner.js';
import type { AdmittedJob } from './orchestrator.js';

const base = compileJobSpec(
  { inputs: '/data/manifest.txt', model: 'tiny', splitSize: 32 },
  { cores: 2, now: new Date('2024-05-01T00:00:00Z'), cwd: '/work' },
);

function admitted(extra: Partial<AdmittedJob<ManagedJob>> = {}): AdmittedJob<ManagedJob> {
  return {
    id: 'job-00007',
    mode: 'static',
    inputs: 3,
    workers: 2,
    splitSize: 2,
    keys: ['a.jpg', 'b.jpg', 'a.jpg'],
    requestedWorkers: 5,
    queueWaitMs: 0,
    ...extra,
  };
}

/** A dynamic dispatch with one extra worker for speculative copies. */
const speculative = {
  type: 'dynamic',
  speculation: { quantile: 0.9, multiplier: 1.5, intervalMs: 1000, extraWorkers: 1 },
} as unknown as DispatchSpec;

describe('jobSpecFor', () => {
  it('runs the job with the granted workers and split size in its own folder', () => {
    const spec = jobSpecFor(admitted(), base, '/days/d1');
    expect(spec).toMatchObject({
      name: 'job-00007',
      workers: 2,
      splitSize: 2,
      outDir: '/days/d1/job-00007',
      dispatch: { type: 'static' },
      model: base.model,
      pipeline: base.pipeline,
    });
  });

  it('applies per-job overrides', () => {
    const spec = jobSpecFor(admitted({ overrides: { model: { uri: '/m/other.onnx' } } }), base, '/d');
    expect(spec.model.uri).toBe('/m/other.onnx');
  });

  it('takes the extra worker of speculative copies out of the grant', () => {
    const dynamicBase: ResolvedJobSpec = { ...base, dispatch: speculative };
    const four = jobSpecFor(admitted({ mode: 'dynamic', workers: 4 }), dynamicBase, '/d');
    expect(four.workers).toBe(3);
    expect(four.dispatch).toBe(speculative);
    const one = jobSpecFor(admitted({ mode: 'dynamic', workers: 1 }), dynamicBase, '/d');
    expect(one.workers).toBe(1);
    expect(
      (one.dispatch as unknown as { speculation: { extraWorkers: number } }).speculation.extraWorkers,
    ).toBe(0);
  });

  it('refuses a dynamic job without dynamic settings, and keys that do not match the inputs', () => {
    expect(() => jobSpecFor(admitted({ mode: 'dynamic' }), base, '/d')).toThrow(UserError);
    expect(() => jobSpecFor(admitted({ inputs: 4 }), base, '/d')).toThrow(/3 keys for 4 inputs/);
  });
});
