/** The split records of a job that ran more than once (pure): earlier runs' from `splits.jsonl`. */
import type { SplitLogLine } from './result-sink.js';
import type { SplitRecord } from './types.js';

/** A split finished by an earlier run, rebuilt from its `splits.jsonl` line. */
export function recordFromLogLine(line: SplitLogLine): SplitRecord {
  const attempts = line.attempts ?? [];
  return {
    splitId: line.splitId,
    inputs: line.inputs,
    status: 'done',
    workerId: line.workerId,
    startedAt: attempts.length > 0 ? Math.min(...attempts.map((a) => a.startedAt)) : null,
    endedAt: line.endedAt,
    retries: Math.max(0, attempts.length - 1),
    error: line.error,
    attempts,
    run: line.run ?? 0,
  };
}

/**
 * Every split's record in plan order: those finished by earlier runs (from their log lines) and
 * those of this run (`run`). A first run (no earlier lines) keeps its records as they are.
 */
export function mergeSplitRecords(
  plan: readonly { splitId: string }[],
  earlier: readonly SplitLogLine[],
  current: readonly SplitRecord[],
  run: number,
): SplitRecord[] {
  if (earlier.length === 0 && run === 0) return [...current];
  const byId = new Map<string, SplitRecord>();
  for (const line of earlier) byId.set(line.splitId, recordFromLogLine(line));
  for (const record of current) byId.set(record.splitId, { ...record, run });
  return plan.flatMap((split) => {
    const record = byId.get(split.splitId);
    return record ? [record] : [];
  });
}
