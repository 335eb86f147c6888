/**
 * Resuming a job whose job manager stopped (a crash, a kill, a lost machine): read the job's
 * folder, keep what its logs prove finished, and hand `runJob` what it needs to run the job's
 * plan minus the splits finished (the plan gives the same splits the same ids every time).
 *
 * Lines are appended split by split, results first and the split's `splits.jsonl` line after
 * them, each fsync'd. So `results.jsonl` holds, in order, the lines of the splits logged in
 * `splits.jsonl`, then maybe lines of splits whose log line was never written, then maybe a
 * partial line. Only the first part is kept; the rest is cut off and those splits run again.
 */
import { readFile, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { messageOf, UserError } from '../errors.js';
import { inputResultSchema } from '../protocol/result-schema.js';
import type { ResolvedJobSpec } from '../spec/types.js';
import { parseJsonText } from '../util/json-file.js';
import { keepJsonLines, readJsonLinesFile } from '../util/json-lines-file.js';
import { checkSchema, intRange, parseWithSchema } from '../util/schema.js';
import { INVOCATIONS_FILE, JOB_SPEC_FILE, type JobSpecFile } from './job-spec-file.js';
import { JOB_RECORD_FILE, RESULTS_FILE, SPLITS_FILE } from './output.js';
import { planSplits, splitsToRun, unknownSplits } from '../job-plan/plan-job.js';
import { invocationRecordSchema, jobSpecFileSchema, splitLogLineSchema } from './record-schemas.js';
import { EMBEDDINGS_STAGING_FILE, keepStagedVectors } from './embeddings-file.js';
import type { JobRunRecord, ResumeState } from './types.js';

/** How a bad line of a job's record files is reported. */
const BAD_RECORDS = { what: '--resume: bad records' };

/** What `--resume DIR` found. */
export type PreparedResume =
  | {
      kind: 'complete';
      jobId: string;
      dir: string;
      inputs: number;
      splits: number;
    }
  | {
      kind: 'resume';
      spec: ResolvedJobSpec;
      state: ResumeState;
      /** Splits in the plan, and those to run now. */
      splits: number;
      remaining: number;
      /** Result lines cut off because their split was never logged as finished. */
      droppedLines: number;
    };

/**
 * Reads a job folder for `--resume`. Throws {@link UserError} when it is missing, not a job
 * folder, or its job manager still runs. Cuts off result lines no finished split owns.
 */
export async function prepareResume(dirArg: string, cwd = process.cwd()): Promise<PreparedResume> {
  const dir = path.resolve(cwd, dirArg);
  const info = await stat(dir).catch(() => null);
  if (!info) throw new UserError(`--resume: '${dir}' does not exist`);
  if (!info.isDirectory()) throw new UserError(`--resume: '${dir}' is a file, not a job folder`);
  const specFile = await readJobSpecFile(dir);
  const spec: ResolvedJobSpec = { ...specFile.spec, outDir: dir };
  const plan = planSplits(spec, specFile.inputs.count);

  const splitsFile = path.join(dir, SPLITS_FILE);
  const splitLines = await readJsonLinesFile(splitsFile, splitLogLineSchema, BAD_RECORDS);
  const seen = new Set<string>();
  const doneSplits = splitLines.records.filter((line) => !seen.has(line.splitId) && seen.add(line.splitId));
  const unknown = unknownSplits(plan, seen);
  if (unknown.length > 0) {
    throw new UserError(
      `--resume: ${splitsFile} names splits the job's plan does not have (${unknown.slice(0, 5).join(', ')}); the folder is inconsistent`,
    );
  }
  const remaining = splitsToRun({ splits: plan, finishedSplits: [...seen] }).length;
  const hasRecord = await stat(path.join(dir, JOB_RECORD_FILE)).then(
    () => true,
    () => false,
  );
  // Every split finished: nothing to run (a run that died before writing job.json gets it written).
  if (remaining === 0 && hasRecord) {
    return {
      kind: 'complete',
      jobId: specFile.jobId,
      dir,
      inputs: specFile.inputs.count,
      splits: plan.length,
    };
  }
  refuseLiveRun(specFile.runs);

  const resultsFile = path.join(dir, RESULTS_FILE);
  const results = await readJsonLinesFile(resultsFile, inputResultSchema, BAD_RECORDS);
  const owned = doneSplits.reduce((n, line) => n + line.ok + line.errors, 0);
  if (results.records.length < owned) {
    throw new UserError(
      `--resume: ${resultsFile} has ${results.records.length} complete lines but ${SPLITS_FILE} accounts for ${owned}; the folder is inconsistent`,
    );
  }
  const droppedLines = results.records.length - owned;
  const kept = results.records.slice(0, owned);
  // An embed job keeps the vectors of the lines it keeps, and no others.
  const staged = await stat(path.join(dir, EMBEDDINGS_STAGING_FILE)).then(
    () => true,
    () => false,
  );
  if (staged || kept.some((line) => line.embedding !== undefined)) await keepStagedVectors(dir, kept);
  await keepJsonLines(resultsFile, results, owned);
  await keepJsonLines(splitsFile, splitLines, splitLines.records.length);

  const invocationsFile = path.join(dir, INVOCATIONS_FILE);
  const invocations = await readJsonLinesFile(invocationsFile, invocationRecordSchema, BAD_RECORDS);
  await keepJsonLines(invocationsFile, invocations, invocations.records.length);

  return {
    kind: 'resume',
    spec,
    state: {
      jobId: specFile.jobId,
      firstStartedAt: Date.parse(specFile.runs[0]?.startedAt ?? '') || Date.now(),
      inputsDigest: specFile.inputs.digest,
      doneSplits,
      lines: kept,
      invocations: invocations.records,
      runs: await earlierRuns(dir, specFile.runs),
    },
    splits: plan.length,
    remaining,
    droppedLines,
  };
}

async function readJobSpecFile(dir: string): Promise<JobSpecFile> {
  const file = path.join(dir, JOB_SPEC_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT') throw new UserError(`--resume: cannot read ${file}: ${messageOf(err)}`);
    throw new UserError(
      `--resume: '${dir}' is not a job folder (no ${JOB_SPEC_FILE}; a job writes it when it starts)`,
    );
  }
  return parseWithSchema(
    jobSpecFileSchema,
    parseJsonText(text, file),
    `--resume: invalid job spec file ${file}`,
  );
}

/** Refuses to resume a job whose latest run has not ended and whose job manager is alive here. */
function refuseLiveRun(runs: readonly JobRunRecord[]): void {
  const last = runs.at(-1);
  if (!last || last.endedAt !== null || last.pid === undefined || last.host !== os.hostname()) return;
  if (last.pid === process.pid) return;
  try {
    process.kill(last.pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return; // no such process: it died
  }
  throw new UserError(
    `--resume: the job is still running (job manager process ${last.pid} on this machine); stop it first`,
  );
}

/** The part of `job.json` a resume reads: when each earlier run ended. */
const recordedRuns = z.object({
  runs: z.array(z.object({ run: intRange(0), endedAt: z.string().nullable() })).optional(),
});

/** Runs recorded so far, with their end times when a `job.json` from a later run has them. */
async function earlierRuns(dir: string, runs: readonly JobRunRecord[]): Promise<JobRunRecord[]> {
  const file = path.join(dir, JOB_RECORD_FILE);
  const record = await readFile(file, 'utf8')
    .then((text) => checkSchema(recordedRuns, parseJsonText(text, file)))
    .catch(() => null);
  const ended = new Map((record?.ok ? (record.data.runs ?? []) : []).map((r) => [r.run, r.endedAt]));
  return runs.map((r) => ({ ...r, endedAt: ended.get(r.run) ?? r.endedAt }));
}
