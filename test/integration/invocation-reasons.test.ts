/**
 * Why each invocation started, on real jobs (the tiny model, local function processes, injected
 * faults, speculation): the `reason` of every `invocation-started` event is the reason the
 * invocation's records keep (`invocations.jsonl`, `job.json`) and its `invocation-ended` event
 * repeats, and the reasons add up to the job's own counts: a static job's retries, a dynamic
 * job's `dispatcher.invoked`.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { InvocationReason } from '../../src/core/dispatch-types.js';
import type { InvocationEndedEvent, InvocationStartedEvent, JobEvent } from '../../src/manager/job-events.js';
import type { InvocationLine } from '../../src/manager/run-accounting.js';
import type { JobRecord } from '../../src/manager/types.js';
import type { RunJobDeps } from '../../src/manager/run-job-types.js';
import { readJsonl } from '../support/job-output.js';
import { ranSplit, useLocalJobWorld } from '../support/local-job-world.js';

const world = useLocalJobWorld('obifaas-invocation-reasons-', 21);

interface RunWithReasons {
  record: JobRecord;
  /** The `invocation-started` events, in order. */
  started: InvocationStartedEvent[];
  /** The `started` lines of `invocations.jsonl`. */
  startLines: InvocationLine[];
}

/** Runs a job on the shared backend; checks that its events, lines and records agree on reasons. */
async function jobWithReasons(
  options: Record<string, unknown>,
  deps: RunJobDeps = {},
): Promise<RunWithReasons> {
  const events: JobEvent[] = [];
  const { out, record } = await world.run(options, { ...deps, onProgress: (e) => events.push(e) });
  const started = events.filter((e): e is InvocationStartedEvent => e.type === 'invocation-started');
  const lines = await readJsonl<InvocationLine>(path.join(out, 'invocations.jsonl'));
  const startLines = lines.filter((l) => l.event === 'started');
  const reasonOf = (workerId: string): InvocationReason | undefined =>
    record.invocations.find((i) => i.workerId === workerId)?.reason;
  // One event per invocation, each with the reason its start line and its job.json record keep.
  expect(started.map((e) => e.workerId).sort()).toEqual(record.invocations.map((i) => i.workerId).sort());
  expect(startLines.map((l) => [l.workerId, l.reason])).toEqual(started.map((e) => [e.workerId, e.reason]));
  for (const event of started) expect(reasonOf(event.workerId), event.workerId).toBe(event.reason);
  // Its end says the same reason as its start.
  const ended = events.filter((e): e is InvocationEndedEvent => e.type === 'invocation-ended');
  expect(ended.map((e) => [e.workerId, e.reason]).sort()).toEqual(
    started.map((e) => [e.workerId, e.reason]).sort(),
  );
  return { record, started, startLines };
}

/** How many invocations started for each reason (absent: none). */
function countByReason(
  started: readonly InvocationStartedEvent[],
): Partial<Record<InvocationReason, number>> {
  const counts: Partial<Record<InvocationReason, number>> = {};
  for (const { reason } of started) counts[reason] = (counts[reason] ?? 0) + 1;
  return counts;
}

describe('why each invocation started', () => {
  it('static, half the workers failing: planned ones, then one retry per retried split', async () => {
    const { record, started } = await jobWithReasons({
      workers: 4,
      maxRetries: 3,
      faults: { failPercent: 50, seed: 5 },
    });
    const counts = countByReason(started);
    expect(counts.planned).toBe(4);
    expect(record.summary.retries).toBeGreaterThanOrEqual(2);
    expect(counts.retry ?? 0).toBe(record.summary.retries);
    expect(Object.keys(counts).sort()).toEqual(['planned', 'retry']);
    // The first four are the plan's, one per split; every retry runs a split whose earlier attempt failed.
    expect(started.slice(0, 4).map((e) => [e.reason, e.splitIds])).toEqual([
      ['planned', ['0']],
      ['planned', ['1']],
      ['planned', ['2']],
      ['planned', ['3']],
    ]);
    for (const retry of started.filter((e) => e.reason === 'retry')) {
      const split = record.splits.find((s) => s.splitId === retry.splitIds[0]);
      const attempt = split?.attempts.find((a) => a.workerId === retry.workerId);
      expect(attempt?.kind, retry.workerId).toBe('retry');
    }
  });

  it('dynamic, two stragglers and speculation: planned workers and an extra worker for the copies', async () => {
    const { record, started } = await jobWithReasons(
      {
        mode: 'dynamic',
        splitSize: 2,
        workers: 3,
        speculation: { enabled: true, quantile: 0.5, interval: '100ms' },
      },
      { faultsFor: (id) => (id === 'w1' || id === 'w2' ? { delayMsPerSplit: 8000 } : undefined) },
    );
    const invoked = record.dispatcher?.invoked;
    expect(invoked).toBeDefined();
    expect(invoked?.copy).toBeGreaterThanOrEqual(1);
    expect(countByReason(started)).toEqual(
      Object.fromEntries(Object.entries(invoked ?? {}).filter(([, n]) => n > 0)),
    );
    expect(started.slice(0, 3).map((e) => [e.workerId, e.reason, e.splitIds])).toEqual([
      ['w0', 'planned', []],
      ['w1', 'planned', []],
      ['w2', 'planned', []],
    ]);
    // The copies the extra worker was started for were queued, and ran.
    expect(record.dispatcher?.copies.length).toBeGreaterThanOrEqual(1);
    expect(record.splits.some((s) => s.attempts.some((a) => a.kind === 'copy'))).toBe(true);
    expect(record.summary).toMatchObject({ ok: 24, errors: 0, failedInvocations: 0 });
  });

  it('dynamic, every worker failing: starved workers and replacements, as dispatcher.invoked counts them', async () => {
    const { record, started } = await jobWithReasons({
      mode: 'dynamic',
      splitSize: 2,
      workers: 2,
      maxSplitRetries: 1,
      faults: { failPercent: 100 },
    });
    const invoked = record.dispatcher?.invoked;
    expect(invoked?.planned).toBe(2);
    expect((invoked?.starved ?? 0) + (invoked?.replacement ?? 0)).toBeGreaterThan(0);
    expect(countByReason(started)).toEqual(
      Object.fromEntries(Object.entries(invoked ?? {}).filter(([, n]) => n > 0)),
    );
    // Every worker fails once it has finished a split; one that never got a split ends without error.
    expect(record.invocations.filter((i) => i.ok && ranSplit(i))).toEqual([]);
    expect(record.invocations.filter((i) => !i.ok).length).toBeGreaterThanOrEqual(2);
  });
});
