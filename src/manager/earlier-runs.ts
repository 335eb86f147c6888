/**
 * What a resumed job's earlier runs did, read from its folder for the job's accounts: their
 * invocations (`invocations.jsonl`, one end per worker; an invocation whose end was never
 * written is estimated), when each run ended (a `job.json` written by a later run has it,
 * otherwise the folder's last change bounds it) and the faults given to their workers.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { ResolvedJobSpec } from '../spec/types.js';
import type { JsonLinesContent } from '../util/json-lines.js';
import { readJsonLinesFile } from '../util/json-lines-file.js';
import { INVOCATIONS_FILE, JOB_SPEC_FILE } from './job-spec-file.js';
import {
  JOB_RECORD_FILE,
  readJobRecord,
  readOrRecover,
  RESULTS_FILE,
  SPLITS_FILE,
  WORKER_LOG_FILE,
} from './output.js';
import { invocationLineSchema } from './record-schemas.js';
import { RESUME_BAD_RECORDS, RESUME_RECORD_REFUSED } from './resume-check.js';
import type { SplitLogLine } from './result-sink.js';
import { earlierAccounts, oneEndPerWorker, type InvocationLine } from './run-accounting.js';
import type { JobRunRecord } from './types.js';

/** The earlier runs' accounts, and the `invocations.jsonl` they were read from (its tail is repaired later). */
export interface EarlierRuns {
  accounts: ReturnType<typeof earlierAccounts>;
  invocationLines: JsonLinesContent<InvocationLine>;
}

/**
 * Reads the accounts of the earlier runs of the job in `dir`: `runs` as its `job.spec.json`
 * lists them, `splits` the `splits.jsonl` lines of the splits they finished. Throws `SpecError`
 * naming a bad line, and `UserError` for a damaged `job.json`.
 */
export async function readEarlierRuns(
  dir: string,
  spec: ResolvedJobSpec,
  runs: readonly JobRunRecord[],
  splits: readonly SplitLogLine[],
): Promise<EarlierRuns> {
  const invocationLines = await readJsonLinesFile(path.join(dir, INVOCATIONS_FILE), invocationLineSchema, {
    ...RESUME_BAD_RECORDS,
    check: oneEndPerWorker(),
  });
  const accounts = earlierAccounts({
    runs: await runsWithEndTimes(dir, runs),
    lines: invocationLines.records,
    splits,
    folderChangedAt: await lastChange(dir),
    limits: { timeoutMs: spec.backend.timeoutMs, maxConcurrency: spec.backend.maxConcurrency },
  });
  return { accounts, invocationLines };
}

/** Epoch ms of the last change to the job's records and its functions' output. */
async function lastChange(dir: string): Promise<number | undefined> {
  const files = [RESULTS_FILE, SPLITS_FILE, INVOCATIONS_FILE, WORKER_LOG_FILE, JOB_SPEC_FILE];
  const times = await Promise.all(
    files.map((f) =>
      stat(path.join(dir, f)).then(
        (info) => info.mtimeMs,
        () => undefined,
      ),
    ),
  );
  const known = times.filter((t): t is number => t !== undefined);
  return known.length > 0 ? Math.max(...known) : undefined;
}

/**
 * Runs recorded so far, with their end times when a `job.json` from a later run has them (read
 * through its schema: a damaged record is refused, exit 2).
 */
async function runsWithEndTimes(dir: string, runs: readonly JobRunRecord[]): Promise<JobRunRecord[]> {
  const recorded = await stat(path.join(dir, JOB_RECORD_FILE)).then(
    () => true,
    () => false,
  );
  const record = recorded
    ? await readOrRecover(
        () => readJobRecord(dir, RESUME_RECORD_REFUSED),
        `move it aside (to ${JOB_RECORD_FILE}.damaged) and run --resume again: the end times of the earlier runs are then estimated from the folder's files`,
      )
    : null;
  const ended = new Map((record?.runs ?? []).map((r) => [r.run, r.endedAt]));
  return runs.map((r) => ({ ...r, endedAt: ended.get(r.run) ?? r.endedAt }));
}
