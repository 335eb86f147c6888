/**
 * The accounts of a job that ran more than once (pure): a job manager killed in the middle of
 * a run records neither the end of the invocations it was waiting for nor its own end. From the
 * records it did write (each invocation's start, each finished split and invocation), this
 * finds when each run was last seen alive, estimates the billed time of the invocations whose
 * end is missing (marked `estimated`), and keeps the faults given to every run's workers, so
 * that a resumed job counts the time and money of every run (`run-spans.ts` measures their
 * time without the gaps between them).
 */
import type * as z from 'zod';
import type { InvocationReason } from '../core/dispatch-types.js';
import type { FaultInjector, WorkerFaultDecision, WorkerFaults } from '../core/faults.js';
import type { Issue } from '../errors.js';
import type { WorkerPayload } from '../protocol/invocation.js';
import type { invocationLineSchema } from './record-schemas.js';
import type { SplitLogLine } from './result-sink.js';
import type { FaultRecord, InvocationRecord, JobRunRecord } from './types.js';
import type { ResumeState } from './run-job-types.js';

/** A line of `invocations.jsonl`. */
export type InvocationLine = z.output<typeof invocationLineSchema>;

/** A line of `invocations.jsonl` written when an invocation is submitted. */
export interface InvocationStart {
  event: 'started';
  /** The run of the job that submitted it. */
  run: number;
  workerId: string;
  /** Why the dispatch core started it (absent in records written before reasons were kept). */
  reason?: InvocationReason;
  splitIds: string[];
  submittedAt: number;
  memoryMb: number;
  /** The fault injected into it (experiments), as decided when it started. */
  fault?: { ordinal: number; planned: boolean; faults: WorkerFaults };
}

/** A fault decision, with the run of the job it was made in. */
export type RunFaultDecision = WorkerFaultDecision & { run: number };

/** Why an estimated invocation has no end of its own. */
export const UNRECORDED_END =
  'its end was not recorded (the job manager stopped while it ran); its time is estimated, from when it could get a function to the last record of that run';

/** The run whose worker ids start with its prefix (`r2.w5` is run 2's; run 0's have none). */
export function runOfWorker(
  workerId: string,
  runs: readonly Pick<JobRunRecord, 'run' | 'workerIdPrefix'>[],
): number {
  let best = 0;
  let bestLength = -1;
  for (const r of runs)
    if (workerId.startsWith(r.workerIdPrefix) && r.workerIdPrefix.length > bestLength) {
      best = r.run;
      bestLength = r.workerIdPrefix.length;
    }
  return best;
}

/** What a job's records tell of its earlier runs. */
export interface RunRecords {
  runs: readonly JobRunRecord[];
  starts: readonly InvocationStart[];
  ended: readonly InvocationRecord[];
  splits: readonly SplitLogLine[];
  /**
   * Epoch ms of the last change to the job's folder before this resume read it, on the latest
   * run's clock (`folder-change.ts`): the latest run wrote it last (its function processes'
   * output included).
   */
  folderChangedAt?: number;
}

/**
 * Epoch ms each run was last seen alive: its end when recorded, otherwise the latest moment its
 * records name (and, for the latest run, the folder's last change).
 */
export function lastSeenByRun(records: RunRecords): Map<number, number> {
  const seen = new Map<number, number>();
  const note = (run: number, at: number): void => {
    if (Number.isFinite(at) && at > (seen.get(run) ?? -Infinity)) seen.set(run, at);
  };
  for (const r of records.runs) note(r.run, Date.parse(r.startedAt));
  for (const s of records.starts) note(s.run, s.submittedAt);
  for (const i of records.ended) note(runOfWorker(i.workerId, records.runs), i.endedAt);
  for (const line of records.splits) note(line.run ?? 0, line.endedAt);
  const latest = records.runs.at(-1);
  if (latest && records.folderChangedAt !== undefined) note(latest.run, records.folderChangedAt);
  for (const r of records.runs) {
    const ended = r.endedAt === null ? NaN : Date.parse(r.endedAt);
    if (Number.isFinite(ended)) seen.set(r.run, ended);
  }
  return seen;
}

/** What bounds the estimate of an invocation whose end is missing. */
export interface EstimateLimits {
  /** The job's per-invocation timeout. */
  timeoutMs: number;
  /** Invocations its backend runs at once: later ones waited for a slot. */
  maxConcurrency: number;
}

/**
 * When each of a run's unfinished invocations (in submit order) got a function: the first
 * moment from its submit on when fewer than `maxConcurrency` ran, counting the run's finished
 * invocations (from their recorded start to end) and the unfinished ones placed before it
 * (which ran to the end). Null for one that had none before `until`.
 */
function estimatedStarts(
  unfinished: readonly InvocationStart[],
  finished: readonly InvocationRecord[],
  maxConcurrency: number,
  until: number,
): (number | null)[] {
  const ends = finished.map((i) => i.endedAt).sort((x, y) => x - y);
  const running = (t: number): number => finished.filter((i) => i.startedAt <= t && t < i.endedAt).length;
  let placed = 0;
  let previous = -Infinity;
  return unfinished.map((s) => {
    const from = Math.max(s.submittedAt, previous);
    const candidates = [from, ...ends.filter((t) => t > from)];
    const start = candidates.find((t) => t < until && running(t) + placed < maxConcurrency);
    if (start === undefined) return null;
    placed++;
    previous = start;
    return start;
  });
}

/**
 * The invocations whose start was recorded and whose end was not, as records marked
 * `estimated`: each ran from when it got a function (see {@link estimatedStarts}) to the last
 * sign of life of its run, at most `timeoutMs`. One that never got a function is left out (it
 * cost nothing).
 */
export function unrecordedInvocations(
  records: RunRecords,
  lastSeen: ReadonlyMap<number, number>,
  limits: EstimateLimits,
): InvocationRecord[] {
  const ended = new Set(records.ended.map((i) => i.workerId));
  const out: InvocationRecord[] = [];
  for (const r of records.runs) {
    const unfinished = records.starts
      .filter((s) => s.run === r.run && !ended.has(s.workerId))
      .sort((x, y) => x.submittedAt - y.submittedAt);
    if (unfinished.length === 0) continue;
    const finished = records.ended.filter((i) => runOfWorker(i.workerId, records.runs) === r.run);
    const until = lastSeen.get(r.run) ?? Math.max(...unfinished.map((s) => s.submittedAt));
    const starts = estimatedStarts(unfinished, finished, limits.maxConcurrency, until);
    unfinished.forEach((s, i) => {
      const startedAt = starts[i];
      if (startedAt === null || startedAt === undefined) return;
      const durationMs = Math.min(until - startedAt, limits.timeoutMs);
      out.push({
        invocationId: `unrecorded:${s.workerId}`,
        submittedAt: s.submittedAt,
        startedAt,
        endedAt: startedAt + durationMs,
        durationMs,
        billedMs: Math.ceil(durationMs),
        initMs: 0,
        cold: false,
        memoryMb: s.memoryMb,
        workerId: s.workerId,
        ...(s.reason !== undefined ? { reason: s.reason } : {}),
        splitIds: [...s.splitIds],
        attempt: 0,
        ok: false,
        error: UNRECORDED_END,
        estimated: true,
        ...(s.fault && Object.keys(s.fault.faults).length > 0 ? { faults: s.fault.faults } : {}),
      });
    });
  }
  return out;
}

/** The fault decisions recorded with the invocations' starts, each with its run. */
export function recordedFaults(starts: readonly InvocationStart[]): RunFaultDecision[] {
  return starts.flatMap((s) =>
    s.fault
      ? [
          {
            workerId: s.workerId,
            ordinal: s.fault.ordinal,
            planned: s.fault.planned,
            faults: s.fault.faults,
            run: s.run,
          },
        ]
      : [],
  );
}

/** An invocation ends once: a second `ended` line for a worker is refused. */
export function oneEndPerWorker(): (line: InvocationLine) => Issue[] {
  const ended = new Set<string>();
  return (line) => {
    if (line.event !== 'ended') return [];
    if (ended.has(line.workerId))
      return [{ path: 'workerId', message: `'${line.workerId}' has ended already, on an earlier line` }];
    ended.add(line.workerId);
    return [];
  };
}

/**
 * What earlier runs leave to this one's accounts: the finished invocations and those whose end
 * was not recorded (estimated), each run with when it was last seen when it did not end, and the
 * faults given to their workers.
 */
export function earlierAccounts(input: {
  runs: JobRunRecord[];
  lines: readonly InvocationLine[];
  splits: readonly SplitLogLine[];
  folderChangedAt: number | undefined;
  limits: EstimateLimits;
}): { invocations: InvocationRecord[]; runs: JobRunRecord[]; faults: RunFaultDecision[] } {
  const starts = input.lines.filter((l): l is InvocationLine & InvocationStart => l.event === 'started');
  const ended: InvocationRecord[] = input.lines.flatMap((l) => {
    if (l.event !== 'ended') return [];
    const { event: _event, ...record } = l;
    return [record];
  });
  const records = {
    runs: input.runs,
    starts,
    ended,
    splits: input.splits,
    ...(input.folderChangedAt !== undefined ? { folderChangedAt: input.folderChangedAt } : {}),
  };
  const lastSeen = lastSeenByRun(records);
  return {
    invocations: [...ended, ...unrecordedInvocations(records, lastSeen, input.limits)],
    runs: input.runs.map((r) => {
      const seen = lastSeen.get(r.run);
      return r.endedAt === null && seen !== undefined
        ? { ...r, lastSeenAt: new Date(seen).toISOString() }
        : r;
    }),
    faults: recordedFaults(starts),
  };
}

/** The `started` line of `invocations.jsonl` for an invocation submitted now, for `reason`. */
export function invocationStart(
  payload: Exclude<WorkerPayload, { kind: 'ping' }>,
  reason: InvocationReason,
  run: number,
  submittedAt: number,
  memoryMb: number,
  injector: FaultInjector | null,
): InvocationStart {
  const decision = injector?.decision(payload.workerId);
  return {
    event: 'started',
    run,
    workerId: payload.workerId,
    reason,
    splitIds: payload.kind === 'static' ? payload.splits.map((s) => s.splitId) : [],
    submittedAt,
    memoryMb,
    ...(decision
      ? { fault: { ordinal: decision.ordinal, planned: decision.planned, faults: decision.faults } }
      : {}),
  };
}

/** The faults given to the workers of every run: earlier runs' as recorded, then this run's. */
export function faultsOfEveryRun(
  resume: ResumeState | undefined,
  injector: FaultInjector | null,
  run: number,
): FaultRecord['workers'] {
  const now = injector?.decisions() ?? [];
  if (!resume) return now;
  return [...(resume.faults ?? []), ...now.map((d) => ({ ...d, run }))];
}
