/**
 * What a resumed job's earlier runs did, read from its folder for the job's accounts: their
 * invocations (`invocations.jsonl`, one end per worker; an invocation whose end was never
 * written is estimated), when each run ended (a `job.json` written by a later run has it,
 * otherwise the folder's last change bounds it, moved onto the run's clock: `folder-change.ts`)
 * and the faults given to their workers.
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
import { folderChangeOnRunClock, type FolderFile } from './folder-change.js';
import { invocationLineSchema } from './record-schemas.js';
import { RESUME_BAD_RECORDS, RESUME_RECORD_REFUSED } from './resume-check.js';
import type { SplitLogLine } from './result-sink.js';
import { earlierAccounts, oneEndPerWorker, runOfWorker, type InvocationLine } from './run-accounting.js';
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
  const latest = runs.at(-1);
  const lastLine = invocationLines.records.at(-1);
  const lastSplit = splits.at(-1);
  // The latest run's last record in each file it times, to set the files' mtimes against.
  const lastRecords: Record<string, number | undefined> = {
    [JOB_SPEC_FILE]: latest ? Date.parse(latest.startedAt) : undefined,
    [INVOCATIONS_FILE]:
      lastLine && runOfWorker(lastLine.workerId, runs) === latest?.run
        ? lastLine.event === 'started'
          ? lastLine.submittedAt
          : lastLine.endedAt
        : undefined,
    [SPLITS_FILE]: lastSplit && (lastSplit.run ?? 0) === latest?.run ? lastSplit.endedAt : undefined,
  };
  const accounts = earlierAccounts({
    runs: await runsWithEndTimes(dir, runs),
    lines: invocationLines.records,
    splits,
    folderChangedAt: folderChangeOnRunClock(await folderFiles(dir, lastRecords)),
    limits: { timeoutMs: spec.backend.timeoutMs, maxConcurrency: spec.backend.maxConcurrency },
  });
  return { accounts, invocationLines };
}

/**
 * The job's records and its functions' output that are there, each with its modification time
 * and the time of the latest run's last record in it (`lastRecords`, by file name).
 */
async function folderFiles(
  dir: string,
  lastRecords: Record<string, number | undefined>,
): Promise<FolderFile[]> {
  const files = [RESULTS_FILE, SPLITS_FILE, INVOCATIONS_FILE, WORKER_LOG_FILE, JOB_SPEC_FILE];
  const found = await Promise.all(
    files.map((f) =>
      stat(path.join(dir, f)).then(
        (info): FolderFile => {
          const lastRecordAt = lastRecords[f];
          return { mtimeMs: info.mtimeMs, ...(lastRecordAt !== undefined ? { lastRecordAt } : {}) };
        },
        () => undefined,
      ),
    ),
  );
  return found.filter((f): f is FolderFile => f !== undefined);
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
