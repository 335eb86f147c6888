/**
 * Dynamic jobs whose workers fail, on a real dispatcher over loopback with real worker processes:
 * a process killed mid-split, injected errors, a paused (silent) worker whose result comes back
 * after its split was retried, a straggler whose split is copied and whose late result is
 * dropped, and every worker dying. Each ends with every input exactly once and job.json telling
 * what happened.
 */
import { describe, expect, it } from 'vitest';
import type { JobRecord, SplitRecord } from '../../src/manager/types.js';
import type { RunJobDeps } from '../../src/manager/run-job-types.js';
import { ranSplit, useLocalJobWorld } from '../support/local-job-world.js';

const world = useLocalJobWorld('obifaas-dynamic-faults-', 12);

/** Runs a dynamic job of splits of 2 inputs on the shared backend; returns its record. */
async function dynamicJob(options: Record<string, unknown>, deps: RunJobDeps = {}): Promise<JobRecord> {
  const { record } = await world.run({ mode: 'dynamic', splitSize: 2, ...options }, deps);
  expect(record.summary.status).toBe('completed');
  return record;
}

const splitOf = (record: JobRecord, workerId: string): SplitRecord => {
  const split = record.splits.find((s) => s.attempts.some((a) => a.workerId === workerId));
  expect(split, `a split attempted by ${workerId}`).toBeDefined();
  return split as SplitRecord;
};

describe('dynamic job with failing workers', () => {
  it('retries the split of a worker process killed mid-split', async () => {
    // w1 sleeps 20 s after computing its first split: once the others have done all the other
    // splits, it holds the last one, and is killed.
    let victim: number | undefined;
    const record = await dynamicJob(
      { workers: 3 },
      {
        faultsFor: (id) => ({ delayMsPerSplit: id === 'w1' ? 20_000 : 600 }),
        onProgress: ({ progress: { done, total } }) => {
          if (victim !== undefined || done < total - 2) return;
          victim = world.backend.processes().find((p) => p.workerId === 'w1' && p.state === 'busy')?.pid;
          if (victim !== undefined) process.kill(victim, 'SIGKILL');
        },
      },
    );
    expect(victim).toBeDefined();
    expect(record.summary).toMatchObject({ ok: 24, errors: 0, failedInvocations: 1, retries: 1 });
    const split = splitOf(record, 'w1');
    expect(split.attempts.map((a) => [a.workerId, a.kind, a.outcome])).toEqual([
      ['w1', 'first', 'failed'],
      [split.workerId, 'retry', 'won'],
    ]);
    expect(split.workerId).not.toBe('w1');
    const failed = record.invocations.find((i) => i.workerId === 'w1');
    expect(failed).toMatchObject({ ok: false, retryable: true });
    expect(failed?.error).toMatch(new RegExp(`function process ${victim} killed by SIGKILL`));
    expect(record.dispatcher?.workersLost.map((e) => [e.workerId, e.requeued])).toEqual([
      ['w1', [split.splitId]],
    ]);
  });

  it('survives 20 % of its workers raising errors (fault injection), and records them', async () => {
    const record = await dynamicJob({ workers: 5, faults: { failPercent: 20, seed: 3 } });
    expect(record.faults?.policy).toEqual({ failPercent: 20, delayPercent: 0, delayMaxMs: 5000, seed: 3 });
    const faulty = record.faults?.workers ?? [];
    expect(faulty).toHaveLength(1);
    const [victim] = faulty as [NonNullable<JobRecord['faults']>['workers'][number]];
    expect(victim.faults).toEqual({ failAfterFirstSplit: true });
    const invocation = record.invocations.find((i) => i.workerId === victim.workerId);
    expect(invocation).toMatchObject({ ok: false, faults: { failAfterFirstSplit: true } });
    expect(invocation?.error).toMatch(
      /InjectedFault: injected fault: worker w\d fails after its first split/,
    );
    expect(record.summary).toMatchObject({ ok: 24, errors: 0, failedInvocations: 1 });
    // The split it held when it failed (if the queue still had one for it) went to another worker.
    for (const split of record.splits) {
      const outcomes = split.attempts.map((a) => a.outcome);
      expect(outcomes.at(-1)).toBe('won');
      if (outcomes.length > 1) {
        expect(split.attempts[0]).toMatchObject({ workerId: victim.workerId, outcome: 'failed' });
        expect(split.attempts[0]?.reason).toMatch(/InjectedFault|closed its stream|connection/);
      }
    }
    const won = record.splits.filter(
      (s) => s.attempts[0]?.workerId === victim.workerId && s.attempts[0].outcome === 'won',
    );
    expect(won).toHaveLength(1);
    // Its invocation's record names the split it finished, as a succeeded one's does.
    expect(invocation?.splitIds).toEqual(won.map((s) => s.splitId));
  });

  it('gives up a silent worker, retries its split, and drops its result when it comes back', async () => {
    // w1 sleeps 6 s after its first split, the others 300 ms: once every split but one is done,
    // the one left is w1's (an event, whether the function processes started warm or cold).
    // Then w1 is paused (SIGSTOP) and stops heartbeating for 6 s: twice the 3 s worker timeout,
    // time for the retry to finish before w1 comes back. The others heartbeat 15 times a timeout.
    let paused: number | undefined;
    let resumed: Promise<void> | undefined;
    let record: JobRecord;
    try {
      record = await dynamicJob(
        { workers: 3, dispatcher: { keepAlive: '200ms', workerTimeout: '3s' } },
        {
          faultsFor: (id) => ({ delayMsPerSplit: id === 'w1' ? 6000 : 300 }),
          onProgress: ({ progress: { done, total } }) => {
            if (paused !== undefined || done < total - 2) return;
            const pid = world.backend.processes().find((p) => p.workerId === 'w1' && p.state === 'busy')?.pid;
            if (pid === undefined) return;
            paused = pid;
            process.kill(pid, 'SIGSTOP');
            resumed = new Promise((resolve) =>
              setTimeout(() => {
                process.kill(pid, 'SIGCONT');
                resolve();
              }, 6000),
            );
          },
        },
      );
    } finally {
      await resumed;
    }
    expect(paused).toBeDefined();
    expect(record.summary).toMatchObject({ ok: 24, errors: 0, failedInvocations: 0, retries: 1 });
    const split = splitOf(record, 'w1');
    expect(split.attempts.map((a) => [a.workerId, a.kind, a.outcome])).toEqual([
      ['w1', 'first', 'silent'],
      [split.workerId, 'retry', 'won'],
    ]);
    expect(split.attempts[0]?.reason).toMatch(
      /no heartbeat for .* s; its result arrived after the split was done and was dropped/,
    );
    expect(record.dispatcher?.workersLost).toEqual([
      expect.objectContaining({ workerId: 'w1', kind: 'silent', requeued: [split.splitId] }),
    ]);
    const w1 = record.invocations.find((i) => i.workerId === 'w1');
    // Back from its pause, it returned the split (dropped) and may have taken another one.
    expect(w1).toMatchObject({ ok: true, dispatch: { duplicate: 1, rejected: 0 } });
  });

  it('copies the split of a straggler (speculation); its late result is dropped', async () => {
    const record = await dynamicJob(
      {
        workers: 3,
        speculation: { enabled: true, quantile: 0.5, interval: '100ms' },
      },
      { faultsFor: (id) => (id === 'w0' ? { delayMsPerSplit: 8000 } : undefined) },
    );
    const split = splitOf(record, 'w0');
    expect(split.attempts.map((a) => [a.workerId, a.kind, a.outcome])).toEqual([
      ['w0', 'first', 'lost'],
      [split.workerId, 'copy', 'won'],
    ]);
    expect(record.dispatcher?.copies).toContainEqual(
      expect.objectContaining({ splitId: split.splitId, workerId: 'w0', copyNumber: 1 }),
    );
    // The straggler heard of the copy's win, cut its sleep short and returned its results late.
    const w0 = record.invocations.find((i) => i.workerId === 'w0');
    expect(w0).toMatchObject({ ok: true, dispatch: { assigned: 1, accepted: 0, duplicate: 1 } });
    expect((w0?.endedAt ?? 0) - (w0?.startedAt ?? 0)).toBeLessThan(8000);
    expect(record.summary).toMatchObject({ ok: 24, errors: 0, failedInvocations: 0 });
  });

  it('never hangs when every worker dies: replacements finish the job, exhausted splits get errors', async () => {
    const record = await dynamicJob({ workers: 2, maxSplitRetries: 1, faults: { failPercent: 100 } });
    const { invoked } = record.dispatcher ?? { invoked: { planned: 0, starved: 0, replacement: 0 } };
    expect(invoked.planned).toBe(2);
    expect(invoked.starved + invoked.replacement).toBeGreaterThan(0);
    // Every worker fails once it has finished a split; one that never got a split (it started
    // after the last split was taken, or its only split was cancelled) ends without error.
    expect(record.invocations.filter((i) => i.ok && ranSplit(i))).toEqual([]);
    expect(record.invocations.filter((i) => !i.ok).length).toBeGreaterThanOrEqual(2);
    expect(record.summary.ok + record.summary.errors).toBe(24);
    for (const split of record.splits) {
      expect(split.status).toBe('done');
      if (split.error !== null) {
        expect(split.attempts.map((a) => a.outcome)).toEqual(['failed', 'failed']);
      }
    }
  });
});
