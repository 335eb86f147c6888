/** The accounts of a job run more than once, from records built in memory. */
import { describe, expect, it } from 'vitest';
import type { SplitLogLine } from './result-sink.js';
import {
  earlierAccounts,
  runOfWorker,
  UNRECORDED_END,
  type InvocationLine,
  type InvocationStart,
} from './run-accounting.js';
import { jobRunAccounts } from './run-spans.js';
import { summarizeJob } from './summary.js';
import type { InvocationRecord, JobRunRecord } from './types.js';
import { LAMBDA_PRICES } from '../core/pricing.js';

const T0 = Date.parse('2024-05-01T12:00:00.000Z');
const iso = (ms: number): string => new Date(ms).toISOString();

const run = (n: number, startedAt: number, endedAt: number | null): JobRunRecord => ({
  run: n,
  startedAt: iso(startedAt),
  endedAt: endedAt === null ? null : iso(endedAt),
  splitsToRun: 2,
  splitsAlreadyDone: 0,
  workerIdPrefix: n === 0 ? '' : `r${n}.`,
});
const start = (
  workerId: string,
  runNo: number,
  submittedAt: number,
  fault?: InvocationStart['fault'],
): InvocationLine => ({
  event: 'started',
  run: runNo,
  workerId,
  splitIds: ['0'],
  submittedAt,
  memoryMb: 1024,
  ...(fault ? { fault } : {}),
});
const ended = (workerId: string, submittedAt: number, endedAt: number): InvocationRecord => ({
  invocationId: `id-${workerId}`,
  submittedAt,
  startedAt: submittedAt,
  endedAt,
  durationMs: endedAt - submittedAt,
  billedMs: endedAt - submittedAt,
  initMs: 0,
  cold: false,
  memoryMb: 1024,
  workerId,
  splitIds: ['0'],
  attempt: 0,
  ok: true,
});
const split = (splitId: string, endedAt: number, runNo = 0, ok = 4): SplitLogLine => ({
  splitId,
  inputs: 4,
  ok,
  errors: 4 - ok,
  workerId: 'w0',
  attempt: 0,
  endedAt,
  error: null,
  ...(runNo > 0 ? { run: runNo } : {}),
});

describe('earlierAccounts', () => {
  it("estimates an invocation whose end is missing up to its run's last record, and marks it", () => {
    // Run 0 was killed: w0 ended at +10 s, w1 was still running; its last record is w0's split at +11 s.
    const accounts = earlierAccounts({
      runs: [run(0, T0, null)],
      lines: [
        start('w0', 0, T0),
        { ...start('w1', 0, T0 + 1000), reason: 'retry' },
        { event: 'ended', ...ended('w0', T0, T0 + 10_000) },
      ],
      splits: [split('0', T0 + 11_000)],
      folderChangedAt: undefined,
      limits: { timeoutMs: 900_000, maxConcurrency: 10 },
    });
    expect(accounts.invocations).toHaveLength(2);
    expect(accounts.invocations[1]).toMatchObject({
      workerId: 'w1',
      reason: 'retry',
      estimated: true,
      ok: false,
      error: UNRECORDED_END,
      submittedAt: T0 + 1000,
      endedAt: T0 + 11_000,
      billedMs: 10_000,
    });
    expect(accounts.runs[0]?.lastSeenAt).toBe(iso(T0 + 11_000));
  });

  it("takes the folder's last change as the latest run's last sign of life, and caps at the timeout", () => {
    const accounts = earlierAccounts({
      runs: [run(0, T0, T0 + 5000), run(1, T0 + 60_000, null)],
      lines: [start('w0', 0, T0), start('r1.w0', 1, T0 + 61_000)],
      splits: [],
      folderChangedAt: T0 + 90_000,
      limits: { timeoutMs: 20_000, maxConcurrency: 10 },
    });
    // Run 0 ended (recorded): its open invocation runs to its end; run 1's to the folder's change, capped.
    expect(accounts.invocations.map((i) => [i.workerId, i.billedMs])).toEqual([
      ['w0', 5000],
      ['r1.w0', 20_000],
    ]);
    expect(accounts.runs.map((r) => r.lastSeenAt)).toEqual([undefined, iso(T0 + 90_000)]);
  });

  it('starts a queued invocation when a function is free, and leaves out one that never got a function', () => {
    // Two functions at once: w0 and w1 run; w2 waits for w0 (ends at +4 s); w3 never gets one.
    const accounts = earlierAccounts({
      runs: [run(0, T0, null)],
      lines: [
        start('w0', 0, T0),
        start('w1', 0, T0),
        start('w2', 0, T0),
        start('w3', 0, T0),
        { event: 'ended', ...ended('w0', T0, T0 + 4000) },
      ],
      splits: [],
      folderChangedAt: T0 + 10_000,
      limits: { timeoutMs: 60_000, maxConcurrency: 2 },
    });
    expect(accounts.invocations.map((i) => [i.workerId, i.startedAt - T0, i.billedMs])).toEqual([
      ['w0', 0, 4000],
      ['w1', 0, 10_000],
      ['w2', 4000, 6000],
    ]);
  });

  it('keeps the faults given to the workers of every run', () => {
    const fault = { ordinal: 0, planned: true, faults: { failAfterFirstSplit: true } };
    const accounts = earlierAccounts({
      runs: [run(0, T0, null)],
      lines: [start('w0', 0, T0, fault), start('w1', 0, T0)],
      splits: [],
      folderChangedAt: undefined,
      limits: { timeoutMs: 1000, maxConcurrency: 10 },
    });
    expect(accounts.faults).toEqual([{ workerId: 'w0', run: 0, ...fault }]);
  });

  it('tells the run of a worker by its prefix', () => {
    const runs = [run(0, T0, null), run(1, T0, null), run(10, T0, null)];
    expect(['w3', 'r1.w0', 'r10.w2'].map((w) => runOfWorker(w, runs))).toEqual([0, 1, 10]);
  });
});

describe('a resumed job counts every run and none of the gaps', () => {
  it("sums the runs' latency and bills the estimated invocations", () => {
    // Run 0: submits at T0, last split at +20 s, killed; run 1 starts an hour later and takes 10 s.
    const runs = [{ ...run(0, T0, null), lastSeenAt: iso(T0 + 25_000) }, run(1, T0 + 3_600_000, null)];
    const estimated = { ...ended('w1', T0, T0 + 25_000), estimated: true as const, ok: false };
    const invocations = [
      ended('w0', T0, T0 + 20_000),
      estimated,
      ended('r1.w0', T0 + 3_600_000, T0 + 3_610_000),
    ];
    const accounts = jobRunAccounts({
      runs,
      invocations,
      earlierSplits: [split('0', T0 + 20_000)],
      current: {
        run: 1,
        startedAt: T0 + 3_600_000,
        endedAt: T0 + 3_611_000,
        lastResultAt: T0 + 3_610_000,
        lastPredictionAt: T0 + 3_610_000,
      },
    });
    expect(accounts.runs.map((r) => r.latencySeconds)).toEqual([20, 10]);
    expect(accounts.active).toEqual({ seconds: 30, predictingSeconds: 30, runs: 2 });
    const summary = summarizeJob({
      name: 'j',
      jobId: 'j-1',
      status: 'completed',
      mode: 'static',
      backend: 'local',
      memoryMb: 1024,
      prices: LAMBDA_PRICES.x86_64,
      inputs: 8,
      ok: 8,
      errors: 0,
      workers: 2,
      invocations,
      splits: [],
      startedAt: T0,
      lastResultAt: T0 + 3_610_000,
      lastPredictionAt: T0 + 3_610_000,
      activeTime: accounts.active,
      out: '/x',
    });
    expect(summary).toMatchObject({
      latencySeconds: 30,
      runs: 2,
      imagesPerSecond: 8 / 30,
      billedSeconds: 55,
      estimatedInvocations: 1,
      estimatedBilledSeconds: 25,
      failedInvocations: 0,
    });
    expect(summary.elapsedSeconds).toBe(3610);
  });
});
