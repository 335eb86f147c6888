import { describe, expect, it } from 'vitest';
import type { DispatchMode } from '../core/dispatch-plan.js';
import type { InvocationReason } from '../core/dispatch-types.js';
import { readErrorInjected, type FaultPolicy } from '../core/faults.js';
import type { InputResult } from '../core/prediction.js';
import { fixedPolicy } from '../orchestrator/policies.js';
import { compileDispatch } from '../spec/compile-dispatch.js';
import { namedKeys } from './anonymous-inputs.js';
import { parseProfile } from './profile.js';
import type { SimJob } from './sim-job.js';
import { simulate, type SimJobRequest } from './simulator.js';

// 1 GB functions, 1/16 s per image, 1 s cold start, containers never kept warm.
const profile = parseProfile({
  memoryMb: 1024,
  splitSize: 32,
  secondsPerSplit: 2,
  initSeconds: 1,
  concurrencyLimit: 1000,
});
const faults = (readErrorPercent: number): FaultPolicy => ({
  failPercent: 0,
  delayPercent: 0,
  delayMaxMs: 0,
  readErrorPercent,
  seed: 5,
});

/** What the decisions say a job of these split sizes does, with no other fault (attempt r runs round r). */
function decided(jobId: string, sizes: readonly number[], percent: number, maxRetries: number) {
  const fault = { percent, seed: 5 };
  let inputRetries = 0;
  let retryRounds = 0;
  const errors = new Map<string, number>();
  sizes.forEach((size, s) => {
    let open = namedKeys(jobId, String(s), size).filter((key) => readErrorInjected(fault, key, 0));
    let tries = 1;
    for (let round = 1; round <= maxRetries && open.length > 0; round++) {
      inputRetries += open.length;
      retryRounds++;
      tries++;
      open = open.filter((key) => readErrorInjected(fault, key, round));
    }
    for (const key of open) errors.set(key, tries);
  });
  return { inputRetries, retryRounds, errors };
}

/** Simulates one job; returns its outcome, its split sizes, the lines its splits ended with, and its invocations by reason. */
function run(mode: DispatchMode, percent: number, maxRetries: number, inputs = 100) {
  const request: SimJobRequest = { id: 'j', mode, inputs, workers: 3, splitSize: 16, arrivalMs: 0 };
  const lines: InputResult[] = [];
  let started: SimJob | undefined;
  const { jobs } = simulate([request], {
    profile,
    policy: fixedPolicy,
    maxRetries,
    dispatch: { dynamic: compileDispatch('dynamic', { maxSplitRetries: maxRetries }, []) },
    faults: faults(percent),
    onJobStart: (job) => {
      started = job;
      job.core.onDecision((d) => {
        if (d.type === 'splitDone') lines.push(...d.split.results);
      });
    },
  });
  const job = started as SimJob;
  const invoked: Record<InvocationReason, number> = job.core.counts().invoked;
  return { outcome: jobs[0], sizes: job.sizes, lines, invoked };
}

describe('simulate: the read-error fault', () => {
  for (const mode of ['static', 'dynamic'] as const) {
    it(`${mode}: retries the inputs the decisions fail, after the back-off, one line each`, () => {
      const { outcome, sizes, lines, invoked } = run(mode, 30, 2);
      const want = decided('j', sizes, 30, 2);
      expect(want.inputRetries).toBeGreaterThan(0);
      expect(outcome?.dispatch?.inputRetries).toBe(want.inputRetries);
      expect(outcome?.dispatch?.retries).toBe(want.retryRounds);
      // A static retry round is a new invocation of its own.
      if (mode === 'static') expect(invoked.retry).toBe(want.retryRounds);
      expect(lines.map((l) => l.key).sort()).toEqual(
        sizes.flatMap((n, s) => namedKeys('j', String(s), n)).sort(),
      );
      const errors = lines.filter((l) => l.error !== null);
      expect(new Map(errors.map((l) => [l.key, l.error]))).toEqual(
        new Map(
          [...want.errors].map(([key, tries]) => [key, expect.stringMatching(`tried ${tries} times\\)$`)]),
        ),
      );
      for (const l of errors) expect(l).toMatchObject({ errorKind: 'passing', top: null });
      expect(outcome?.status).toBe('succeeded');
    });
  }

  it('a read error on every attempt: every line says how often it was tried; each round is billed after its back-off', () => {
    const off = run('static', 0, 2);
    const all = run('static', 100, 2);
    expect(off.outcome?.dispatch).toEqual({ failedInvocations: 0, retries: 0, copies: 0, inputRetries: 0 });
    expect(off.lines.every((l) => l.error === null)).toBe(true);
    expect(all.lines).toHaveLength(100);
    for (const l of all.lines) {
      expect(l.error).toMatch(
        /^cannot load 'j\/\d+\/\d+': injected fault: SlowDown \(503\).*\(tried 3 times\)$/,
      );
      expect(l.errorKind).toBe('passing');
    }
    // 3 chunks (34, 33, 33 inputs), each run 3 times: 9 invocations, every input retried twice.
    expect(all.outcome?.dispatch).toEqual({ failedInvocations: 0, retries: 6, copies: 0, inputRetries: 200 });
    expect(all.outcome?.invocations).toBe(9);
    expect(all.invoked.retry).toBe(6);
    // Each round: 1 s init + the chunk (34 / 16 s); the back-offs of 1 s and 2 s come between.
    const chunkMs = 1000 + (34 * 1000) / 16;
    expect(off.outcome?.endedAtMs).toBeCloseTo(chunkMs, 6);
    expect(all.outcome?.endedAtMs).toBeGreaterThanOrEqual(3 * chunkMs + 1000 + 2000);
    expect(all.outcome?.cost?.billedSeconds).toBeCloseTo(3 * (off.outcome?.cost?.billedSeconds ?? 0), 2);
    expect(all.outcome?.cost?.costUsd).toBeGreaterThan(2.9 * (off.outcome?.cost?.costUsd ?? 0));
  });
});
