/**
 * Resuming a job whose job manager stopped (a crash, a kill, a lost machine): read the job's
 * folder, keep what its logs prove finished, and hand `runJob` what it needs to run the job's
 * plan minus the splits finished (the plan gives the same splits the same ids every time).
 *
 * Lines are appended split by split, results first and the split's `splits.jsonl` line after
 * them, each fsync'd. So `results.jsonl` holds, in order, the lines of the splits logged in
 * `splits.jsonl`, then maybe lines of splits whose log line was never written, then maybe a
 * partial line. Only the first part is kept; the rest is cut off and those splits run again.
 * What the earlier runs did (their invocations, end times, faults) is read by `earlier-runs.ts`.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { InputResult } from '../core/prediction.js';
import type { ReopenedSplit } from '../core/input-retry.js';
import type { SplitRange } from '../core/splitting.js';
import { resolveJobInputs, type ResolvedInputs } from '../dataset/inputs.js';
import { MAX_LISTED_ISSUES, SpecError, UserError } from '../errors.js';
import { planSplits, splitsToRun } from '../job-plan/plan-job.js';
import { inputResultSchema } from '../protocol/result-schema.js';
import type { ResolvedJobSpec } from '../spec/types.js';
import { keepJsonLines, readJsonLinesFile } from '../util/json-lines-file.js';
import { inputsDigest } from './inputs-digest.js';
import { readModelDigests } from './job-model.js';
import { refuseChangedModel } from './model-digests.js';
import { lockJobFolder, type JobLock } from './job-lock.js';
import {
  INVOCATIONS_FILE,
  JOB_SPEC_FILE,
  readJobSpecFile as readSpecFile,
  type JobSpecFile,
} from './job-spec-file.js';
import { JOB_RECORD_FILE, readJobRecord, readOrRecover, RESULTS_FILE, SPLITS_FILE } from './output.js';
import { splitLogLineSchema } from './record-schemas.js';
import {
  checkResumeRecords,
  checkRuns,
  checkSplitLog,
  RESUME_BAD_RECORDS,
  RESUME_RECORD_REFUSED,
  type NumberedRecords,
} from './resume-check.js';
import { readEarlierRuns } from './earlier-runs.js';
import {
  foreignKeyIssues,
  planReopen,
  readReopenedSplits,
  recoverReopenedRecords,
  writeReopenedRecords,
} from './reopen-errors.js';
import type { SplitLogLine } from './result-sink.js';
import { EMBEDDINGS_STAGING_FILE, keepStagedVectors } from './embeddings-file.js';
import type { JobSummary } from './types.js';
import type { ResumeState } from './run-job-types.js';
import { steadyNow } from '../util/steady-clock.js';

/** What `--resume DIR` found; the caller releases `lock` when the run ends. */
export type PreparedResume =
  | {
      kind: 'complete';
      jobId: string;
      dir: string;
      /** The job's saved spec (its output folder: `dir`). */
      spec: ResolvedJobSpec;
      inputs: number;
      splits: number;
      /** The summary its `job.json` recorded (read through the record's schema). */
      summary: JobSummary;
      /** With `retryErrors`: no input's line was a passing error, so nothing ran again. */
      nothingToRetry?: true;
      lock: JobLock;
    }
  | {
      kind: 'resume';
      spec: ResolvedJobSpec;
      state: ResumeState;
      /** The job's inputs, read again and checked against the ones it started with. */
      inputs: ResolvedInputs;
      /** Splits in the plan, and those to run now. */
      splits: number;
      remaining: number;
      /** Result lines cut off because their split was never logged as finished. */
      droppedLines: number;
      /**
       * The inputs (their indexes in the job's list) that a `--retry-errors` runs again: now, or
       * in a resume of one that stopped after its records were swapped.
       */
      retried?: number[];
      lock: JobLock;
    };

export interface ResumeOptions {
  cwd?: string;
  /** Take the folder's lock even when its holder seems alive (`--force`). */
  force?: boolean;
  /** Where builtin models and downloaded copies are cached; default `obifaasHome()`. */
  home?: string;
  /**
   * A complete job: run again its inputs whose line is a passing error (`--retry-errors`,
   * `reopen-errors.ts`); the resume then runs the splits that hold them.
   */
  retryErrors?: boolean;
}

/**
 * Reads a job folder for `--resume`, with its lock held (taken here, returned to the caller).
 * Throws {@link UserError} when it is missing, not a job folder, or locked by a job manager that
 * runs, or whose inputs, model or labels file changed since the job started (its `job.spec.json`
 * keeps their digests; a folder from before they were kept is not checked here);
 * {@link SpecError} naming the file, the line and the field when a record is malformed or does
 * not match the job's plan. Only then cuts off result lines no finished split owns.
 */
export async function prepareResume(dirArg: string, options: ResumeOptions = {}): Promise<PreparedResume> {
  const dir = path.resolve(options.cwd ?? process.cwd(), dirArg);
  const info = await stat(dir).catch(() => null);
  if (!info) throw new UserError(`--resume: '${dir}' does not exist`);
  if (!info.isDirectory()) throw new UserError(`--resume: '${dir}' is a file, not a job folder`);
  await readJobSpecFile(dir); // a folder without a job gets no lock file
  const lock = await lockJobFolder(dir, { what: '--resume', force: options.force === true });
  try {
    return await readLockedFolder(dir, lock, options);
  } catch (err) {
    await lock.release();
    throw err;
  }
}

async function readLockedFolder(dir: string, lock: JobLock, options: ResumeOptions): Promise<PreparedResume> {
  await recoverReopenedRecords(dir);
  const specFile = await readJobSpecFile(dir);
  const runIssues = checkRuns(path.join(dir, JOB_SPEC_FILE), specFile.runs);
  if (runIssues.length > 0)
    throw new SpecError(runIssues, `--resume: the runs of the job in ${dir} are not in order`);
  const spec: ResolvedJobSpec = { ...specFile.spec, outDir: dir };
  const plan = planSplits(spec, specFile.inputs.count);

  const splitsFile = path.join(dir, SPLITS_FILE);
  const splitLines = await readJsonLinesFile(splitsFile, splitLogLineSchema, RESUME_BAD_RECORDS);
  const doneSplits = splitLines.records;
  const seen = new Set(doneSplits.map((line) => line.splitId));
  const remaining = splitsToRun({ splits: plan, finishedSplits: [...seen] }).length;
  const resultsFile = path.join(dir, RESULTS_FILE);
  const results = await readJsonLinesFile(resultsFile, inputResultSchema, RESUME_BAD_RECORDS);
  const hasRecord = await stat(path.join(dir, JOB_RECORD_FILE)).then(
    () => true,
    () => false,
  );
  // Every split finished: nothing to run (a run that died before writing job.json gets it written).
  if (remaining === 0 && hasRecord) {
    checkCompleteRecords(
      plan,
      specFile.runs.length,
      { file: splitsFile, ...splitLines },
      { file: resultsFile, ...results },
    );
    // The job's summary is read from its record: a damaged one is refused, not reported.
    const { summary, resultsOrder, runs } = await readOrRecover(
      () => readJobRecord(dir, RESUME_RECORD_REFUSED),
      `${RESULTS_FILE} is intact (a line for every input, as ${SPLITS_FILE} counts) and the job needs no run: ` +
        `restore ${JOB_RECORD_FILE} from a copy, or move it aside (to ${JOB_RECORD_FILE}.damaged) and read the results with 'obifaas results ${dir}'`,
    );
    // A record of fewer runs than started is an earlier run's: the last run (a --retry-errors)
    // stopped after its last split, before its record; it is resumed below to write it.
    const current = runs === undefined || runs.length >= specFile.runs.length;
    if (current && options.retryErrors) {
      if (resultsOrder !== 'input')
        throw new UserError(`--retry-errors: ${resultsFile} is not in input order; run --resume alone first`);
      // The lines of the retried splits are held as they are: each must be its input's.
      const { keys } = await resolveUnchangedInputs(spec, specFile);
      const foreign = foreignKeyIssues({ file: resultsFile, ...results }, keys);
      if (foreign.length > 0)
        throw new SpecError(
          foreign,
          `--retry-errors: the records of the completed job do not match its inputs`,
        );
      const reopen = planReopen(plan, splitLines.records, results.records);
      if (reopen) {
        const embed = results.records.some((line) => line.embedding !== undefined);
        await writeReopenedRecords(dir, reopen, { embed });
        // Read again as any resume reads it: the splits taken out run from retry-errors.jsonl.
        return readLockedFolder(dir, lock, { ...options, retryErrors: false });
      }
    }
    if (current)
      return {
        kind: 'complete',
        jobId: specFile.jobId,
        dir,
        spec,
        inputs: specFile.inputs.count,
        splits: plan.length,
        summary,
        ...(options.retryErrors ? { nothingToRetry: true as const } : {}),
        lock,
      };
  }

  const inputs = await resolveUnchangedInputs(spec, specFile);
  // Before anything in the folder is written: the job's results must stay one model's.
  if (specFile.model) {
    const now = await readModelDigests(spec, inputs.storage, options.home ? { home: options.home } : {});
    refuseChangedModel(
      specFile.jobId,
      { model: spec.model.uri, labels: spec.model.labelsUri },
      specFile.model,
      now,
    );
  }
  const checked = checkResumeRecords({
    plan,
    runs: specFile.runs.length,
    keys: inputs.keys,
    splits: { file: splitsFile, records: splitLines.records, lines: splitLines.lines },
    results: { file: resultsFile, records: results.records, lines: results.lines },
  });
  if (checked.issues.length > 0)
    throw new SpecError(
      checked.issues,
      `--resume: the records in ${dir} do not match the job's plan`,
      MAX_LISTED_ISSUES,
    );
  const owned = checked.owned;
  // Splits a --retry-errors took out: only their inputs with a passing error run.
  const reopened = await readReopenedSplits(dir, plan, inputs.keys, seen);

  const { accounts, invocationLines } = await readEarlierRuns(dir, spec, specFile.runs, doneSplits);

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
  await keepJsonLines(path.join(dir, INVOCATIONS_FILE), invocationLines, invocationLines.records.length);

  return {
    kind: 'resume',
    spec,
    inputs,
    state: {
      jobId: specFile.jobId,
      firstStartedAt: Date.parse(specFile.runs[0]?.startedAt ?? '') || steadyNow(),
      inputsDigest: specFile.inputs.digest,
      ...(specFile.model ? { modelDigests: specFile.model } : {}),
      doneSplits,
      lines: kept,
      invocations: accounts.invocations,
      runs: accounts.runs,
      faults: accounts.faults,
      ...(reopened.length > 0 ? { reopened } : {}),
    },
    splits: plan.length,
    remaining,
    droppedLines,
    ...(reopened.length > 0 ? { retried: retriedInputs(plan, reopened) } : {}),
    lock,
  };
}

/** The inputs (their indexes in the job's list) that the splits taken out run again. */
function retriedInputs(plan: readonly SplitRange[], reopened: readonly ReopenedSplit[]): number[] {
  const firsts = new Map(plan.map((r) => [r.splitId, r.first]));
  return reopened.flatMap((s) => s.open.map((i) => (firsts.get(s.splitId) ?? 0) + i));
}

/**
 * The records of a job that completed: its splits as for a resume, and as many result lines
 * (in input order now) as they count, with as many predictions.
 */
function checkCompleteRecords(
  plan: readonly SplitRange[],
  runs: number,
  splits: NumberedRecords<SplitLogLine>,
  results: NumberedRecords<InputResult>,
): void {
  const issues = checkSplitLog(plan, splits, runs).issues;
  const counted = splits.records.reduce((n, s) => n + s.ok + s.errors, 0);
  const ok = splits.records.reduce((n, s) => n + s.ok, 0);
  if (issues.length === 0 && counted !== results.records.length)
    issues.push({
      path: results.file,
      message: `has ${results.records.length} lines, but ${splits.file} counts ${counted}`,
    });
  const predictions = results.records.filter((r) => r.error === null).length;
  if (issues.length === 0 && ok !== predictions)
    issues.push({
      path: results.file,
      message: `has ${predictions} lines with a prediction, but ${splits.file} counts ${ok}`,
    });
  if (issues.length > 0)
    throw new SpecError(issues, `--resume: the records of the completed job do not match`, MAX_LISTED_ISSUES);
}

/** The job's inputs; `UserError` when they are not those the job started with. */
async function resolveUnchangedInputs(spec: ResolvedJobSpec, specFile: JobSpecFile): Promise<ResolvedInputs> {
  const inputs = await resolveJobInputs(spec);
  if (inputsDigest(inputs.keys) !== specFile.inputs.digest)
    throw new UserError(
      `--resume: cannot resume job ${specFile.jobId}: its inputs (${spec.inputs}) changed since it started (${inputs.keys.length} keys now, ${specFile.inputs.count} then)`,
    );
  return inputs;
}

async function readJobSpecFile(dir: string): Promise<JobSpecFile> {
  if (!(await stat(path.join(dir, JOB_SPEC_FILE)).catch(() => null)))
    throw new UserError(
      `--resume: '${dir}' is not a job folder (no ${JOB_SPEC_FILE}; a job writes it when it starts)`,
    );
  return readSpecFile(dir, '--resume: invalid job spec file');
}
