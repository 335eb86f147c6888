/** The job plan on in-memory specs and backends: splits, invocations, threads, resume. */
import { describe, expect, it } from 'vitest';
import type { BackendCapacity, FunctionCpus } from '../core/function-cpus.js';
import { LAMBDA_PRICES } from '../core/pricing.js';
import { splitOf } from '../core/splitting.js';
import type { PipelineConfig } from '../protocol/invocation.js';
import { planJob, planSplits, splitsToRun, unknownSplits, type PlanSpec } from './plan-job.js';

const pipeline: PipelineConfig = {
  load: { concurrency: 32 },
  preprocess: { concurrency: 4 },
  predict: { batchSize: 32, intraOpThreads: 1, interOpThreads: 1, replicas: 1 },
  topK: 5,
};

function spec(overrides: Partial<PlanSpec> = {}): PlanSpec {
  return {
    name: 'photos',
    dispatch: { type: 'static' },
    splitSize: 32,
    pipeline,
    autoThreads: true,
    prices: LAMBDA_PRICES.x86_64,
    outDir: '/out/photos',
    ...overrides,
  };
}

const dynamic = (workers?: number): Partial<PlanSpec> => ({
  dispatch: {
    type: 'dynamic',
    maxSplitRetries: 1,
    keepAliveIntervalMs: 2000,
    workerSilentTimeoutMs: 10_000,
    host: '127.0.0.1',
    advertiseHost: '127.0.0.1',
    port: 0,
    speculation: null,
    tls: { mode: 'off' },
  },
  ...(workers !== undefined ? { workers } : {}),
});

function backend(name: string, cpus: FunctionCpus, maxConcurrency: number, memoryMb = 3008): BackendCapacity {
  return { name, memoryMb, maxConcurrency, functionCpus: cpus };
}
const local = (cores: number, maxConcurrency: number): BackendCapacity =>
  backend('local', { kind: 'shared', cores }, maxConcurrency);
const lambda = (memoryMb: number): BackendCapacity =>
  backend('lambda', { kind: 'memory', memoryMb, mbPerVcpu: 1769, maxVcpus: 6 }, 100, memoryMb);

describe('planJob: splits and invocations', () => {
  it('static: near-equal chunks, one invocation each, at most maxConcurrency at once', () => {
    const plan = planJob(spec({ workers: 4 }), 10, local(8, 2));
    expect(plan.splits.map((s) => s.inputs)).toEqual([3, 3, 2, 2]);
    expect(plan.invocations).toEqual({ count: 4, atOnce: 2, splitIds: [['0'], ['1'], ['2'], ['3']] });
    expect(plan).toMatchObject({ job: 'photos', mode: 'static', inputs: 10, out: '/out/photos' });
  });

  it('static without workers: one function per splitSize inputs', () => {
    expect(planJob(spec(), 100, local(8, 8)).splits.map((s) => s.inputs)).toEqual([25, 25, 25, 25]);
  });

  it('dynamic: splits of splitSize, workers as asked (default 50), at most one per split and the backend', () => {
    const plan = planJob(spec(dynamic(8)), 100, local(8, 4));
    expect(plan.splits.map((s) => s.inputs)).toEqual([32, 32, 32, 4]);
    expect(plan.invocations).toEqual({ count: 4, atOnce: 4 });
    expect(planJob(spec(dynamic(3)), 100, local(8, 4)).invocations.count).toBe(3);
    expect(planJob(spec(dynamic()), 10_000, lambda(3008)).invocations.count).toBe(50);
  });

  it('no inputs: no split and no invocation', () => {
    const plan = planJob(spec(dynamic()), 0, local(8, 4));
    expect(plan.splits).toEqual([]);
    expect(plan.invocations.count).toBe(0);
  });

  it('plans from a count the splits the keys get', () => {
    const keys = Array.from({ length: 70 }, (_, i) => `k${i}`);
    const ranges = planSplits({ dispatch: dynamic().dispatch!, splitSize: 32 }, keys.length);
    expect(ranges.map((r) => splitOf(r, keys)).flatMap((s) => s.keys)).toEqual(keys);
  });
});

describe('planJob: threads from the functions, not the job manager', () => {
  it("local: the machine's cores shared by the functions running at once", () => {
    expect(planJob(spec({ workers: 4 }), 100, local(8, 4)).functions).toMatchObject({
      vcpus: 2,
      intraOpThreads: 2,
      threadsFrom: 'vcpus',
    });
    // A small job gets more each.
    expect(planJob(spec({ workers: 1 }), 10, local(8, 4)).functions.intraOpThreads).toBe(8);
  });

  it('lambda: from memory, whatever the job manager has', () => {
    for (const [memoryMb, threads] of [
      [1024, 1],
      [1769, 1],
      [3008, 2],
      [5307, 3],
      [10_240, 6],
    ] as const) {
      const plan = planJob(spec({ workers: 200 }), 1000, lambda(memoryMb));
      expect(plan.functions.intraOpThreads, `${memoryMb} MB`).toBe(threads);
      expect(plan.pipeline.predict.intraOpThreads).toBe(threads);
    }
  });

  it('http: the set vCPUs', () => {
    const http = backend('http', { kind: 'fixed', vcpus: 4, from: 'backend.vcpus' }, 2);
    expect(planJob(spec(), 64, http).functions).toMatchObject({ vcpus: 4, intraOpThreads: 4 });
  });

  it('keeps threads the spec sets', () => {
    const set = { ...pipeline, predict: { ...pipeline.predict, intraOpThreads: 3 } };
    const plan = planJob(spec({ pipeline: set, autoThreads: false }), 64, lambda(10_240));
    expect(plan.functions).toMatchObject({ intraOpThreads: 3, threadsFrom: 'spec' });
    expect(plan.functions.vcpus).toBeCloseTo(5.79, 2);
    expect(plan.pipeline).toEqual(set);
  });
});

describe('planJob: resume is the plan minus the finished splits', () => {
  it('keeps every split and its id, and plans invocations, threads and cost for those left', () => {
    const full = planJob(spec(dynamic(8)), 100, local(8, 8));
    const resumed = planJob(spec(dynamic(8)), 100, local(8, 8), { finished: ['0', '2'] });
    expect(resumed.splits).toEqual(full.splits);
    expect(resumed.finishedSplits).toEqual(['0', '2']);
    expect(splitsToRun(resumed).map((s) => s.splitId)).toEqual(['1', '3']);
    expect(resumed.invocations).toEqual({ count: 2, atOnce: 2 });
    expect(resumed.functions.intraOpThreads).toBe(4);
  });

  it('static: the invocations of the splits left', () => {
    const resumed = planJob(spec({ workers: 3 }), 9, local(8, 8), { finished: ['1'] });
    expect(resumed.invocations.splitIds).toEqual([['0'], ['2']]);
  });

  it('refuses a finished split the plan does not have', () => {
    const splits = planSplits(spec({ workers: 3 }), 9);
    expect(unknownSplits(splits, ['0', '9', '9'])).toEqual(['9']);
    expect(() => planJob(spec({ workers: 3 }), 9, local(8, 8), { finished: ['9'] })).toThrow(
      /finished splits not in the plan: 9/,
    );
  });
});
