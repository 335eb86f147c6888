/**
 * A job record built in memory, as the job manager writes it to job.json, for the tests of the
 * job report's figures, timeline and page.
 */
import { LAMBDA_PRICES } from '../../src/core/pricing.js';
import type { SplitAttempt } from '../../src/core/split-types.js';
import type { InvocationRecord, JobRecord, SplitRecord } from '../../src/manager/types.js';

export const T0 = 1_700_000_000_000;

export function invocation(
  workerId: string,
  from: number,
  to: number,
  more: Partial<InvocationRecord> = {},
): InvocationRecord {
  return {
    invocationId: `${workerId}-${from}`,
    submittedAt: T0 + from,
    startedAt: T0 + from + 500,
    endedAt: T0 + to,
    durationMs: to - from - 500,
    billedMs: to - from - 500,
    initMs: 400,
    cold: true,
    memoryMb: 1024,
    workerId,
    splitIds: [],
    attempt: 0,
    ok: true,
    timings: {
      cold: true,
      modelLoadMs: 100,
      stageBusyMs: { load: 100, preprocess: 300, predict: 200 },
      wallMs: 1000,
      images: 4,
    },
    ...more,
  };
}

export function attempt(
  n: number,
  kind: SplitAttempt['kind'],
  workerId: string,
  from: number,
  to: number,
  outcome: SplitAttempt['outcome'],
): SplitAttempt {
  return { attempt: n, label: String(n), kind, workerId, startedAt: T0 + from, endedAt: T0 + to, outcome };
}

export function split(splitId: string, attempts: SplitAttempt[], error: string | null = null): SplitRecord {
  const winner = attempts.find((a) => a.outcome === 'won');
  return {
    splitId,
    inputs: 4,
    status: 'done',
    workerId: winner?.workerId ?? null,
    startedAt: attempts[0]!.startedAt,
    endedAt: winner?.endedAt ?? attempts[attempts.length - 1]!.endedAt,
    retries: attempts.length - 1,
    error,
    attempts,
  };
}

/**
 * A dynamic job of 4 splits on 4 workers: a failure and its retry, a straggler and its winning
 * copy, a timeout, a stopped worker.
 */
export function sampleJobRecord(): JobRecord {
  const invocations = [
    invocation('w0', 0, 3000),
    invocation('w1', 0, 1500, { ok: false, error: 'InjectedFault: worker w1 fails <after> its first split' }),
    invocation('w2', 0, 4000, { ok: false, error: 'invocation timed out after 3500 ms' }),
    invocation('w3', 1000, 3200, {
      ok: false,
      stopped: true,
      error: 'stopped by the job manager: every split was done',
    }),
  ];
  const splits = [
    split('0', [attempt(0, 'first', 'w0', 600, 1200, 'won')]),
    split('1', [
      attempt(0, 'first', 'w1', 600, 1400, 'failed'),
      attempt(1, 'retry', 'w0', 1300, 2000, 'won'),
    ]),
    split('2', [attempt(0, 'first', 'w2', 700, 3900, 'silent'), attempt(1, 'copy', 'w3', 1600, 2600, 'won')]),
    split('3', [attempt(0, 'first', 'w0', 2100, 2900, 'won'), attempt(1, 'copy', 'w3', 2700, 3100, 'lost')]),
  ];
  const prices = LAMBDA_PRICES.x86_64;
  return {
    version: 1,
    jobId: 'job-<x>',
    name: 'job "<b>"',
    status: 'completed',
    startedAt: new Date(T0).toISOString(),
    endedAt: new Date(T0 + 4000).toISOString(),
    spec: {
      prices,
      backend: { type: 'local', maxConcurrency: 4, memoryMb: 1024, timeoutMs: 3500 },
      splitSize: 4,
    } as unknown as JobRecord['spec'],
    pipeline: {
      load: { concurrency: 8 },
      preprocess: { concurrency: 2 },
      predict: { batchSize: 4, intraOpThreads: 1, interOpThreads: 1, replicas: 1 },
      topK: 5,
    },
    inputs: {
      location: '/data/<manifest>.txt',
      kind: 'manifest',
      storage: { type: 'fs', root: '/data' } as never,
      count: 16,
    },
    model: { uri: 'tiny', path: '/cache/tiny.onnx' },
    summary: {
      job: 'job',
      jobId: 'job-<x>',
      status: 'completed',
      mode: 'dynamic',
      backend: 'local',
      inputs: 16,
      ok: 16,
      errors: 0,
      workers: 3,
      invocations: 4,
      failedInvocations: 2,
      retries: 3,
      coldStarts: 4,
      latencySeconds: 3.2,
      elapsedSeconds: 3.2,
      imagesPerSecond: 5,
      billedSeconds: 11,
      functionSeconds: 9,
      initSeconds: 1.6,
      costUsd: 0.0002,
      costPerMillionImagesUsd: 12.5,
      imagesPerDollar: 80000,
      priceModel: prices.name,
      memoryMb: 1024,
      out: '/out',
    },
    splits,
    invocations,
  };
}
