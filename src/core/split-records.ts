/** Internal records of the split state machine and the views built from them (pure). */
import type { InputRound } from './input-retry.js';
import type { Split } from './splitting.js';
import type { CompletedSplit, SplitAttempt, SplitRecordView, WorkerView } from './split-types.js';

/** Everything known about one split. */
export interface SplitEntry {
  split: Split;
  attempts: SplitAttempt[];
  running: number;
  queued: number;
  failures: number;
  copies: number;
  done: CompletedSplit | null;
  /** Inputs tried again after passing errors (null: the first round, every input). */
  round: InputRound | null;
  /** When the back-off before the round's retry ends (null: not backing off). */
  retryDueAt: number | null;
}

export interface WorkerEntry {
  workerId: string;
  lastHeardAt: number;
  status: WorkerView['status'];
  /** Its running attempts (a worker holds few at once). */
  running: RunningAttempt[];
  splitsWon: number;
  /** An attempt of this worker lost to one that started after it (see `stopOutpacedWorkers`). */
  outpaced?: boolean;
}

export type RunningAttempt = SplitAttempt & { splitId: string };

/** A copy of a split's state and history, for the job record. */
export function splitRecord(e: SplitEntry): SplitRecordView {
  const status = e.done ? 'done' : e.running > 0 ? 'running' : 'pending';
  const attempts = e.attempts.map(
    ({ attempt, label, kind, workerId, startedAt, endedAt, outcome, reason }) =>
      reason === undefined
        ? { attempt, label, kind, workerId, startedAt, endedAt, outcome }
        : { attempt, label, kind, workerId, startedAt, endedAt, outcome, reason },
  );
  const failed = e.done !== null && e.done.error !== null;
  return {
    splitId: e.split.splitId,
    inputs: e.split.keys.length,
    status,
    failed,
    winner: e.done?.winner ?? null,
    attempts,
  };
}

/** The error given to every input of a split whose attempts all failed. */
export function failureMessage(e: SplitEntry): string {
  const why = e.attempts
    .filter((a) => a.outcome === 'failed' || a.outcome === 'silent' || a.outcome === 'invalid')
    .map((a) => `attempt ${a.label}: ${a.reason ?? a.outcome}`)
    .join('; ');
  return `split ${e.split.splitId} failed ${e.failures} times: ${why}`;
}

/** Broken invariants of one split (empty when sound). */
export function entryProblems(e: SplitEntry): string[] {
  const problems: string[] = [];
  const id = e.split.splitId;
  const runningNow = e.attempts.filter((a) => a.outcome === 'running').length;
  if (runningNow !== e.running) problems.push(`split ${id}: running count ${e.running} != ${runningNow}`);
  if (e.done) {
    const keys = e.done.results.map((r) => r.key);
    if (keys.join('\n') !== e.split.keys.join('\n'))
      problems.push(`split ${id}: results do not match its inputs`);
    if (e.queued !== 0 || e.running !== 0) problems.push(`split ${id}: done but still queued or running`);
  } else if (e.queued === 0 && e.running === 0 && e.retryDueAt === null) {
    problems.push(`split ${id}: neither done, queued nor running (lost)`);
  }
  return problems;
}
