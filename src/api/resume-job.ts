/**
 * Finishing a job whose job manager stopped, for the API's `resumeJob` and `obifaas run
 * --resume` alike (one flow): find the job's folder (for an `s3://` location its staging folder,
 * restored from the uploaded objects when it is gone), read it with its lock held, then either
 * finish what is left of a complete job's upload, or run the splits without results and upload
 * the folder. The lock is released when the job ends, whatever happens.
 */
import type { UploadProgress, UploadReport } from '../manager/job-upload.js';
import path from 'node:path';
import { RESULTS_FILE } from '../manager/output.js';
import { prepareResume } from '../manager/resume.js';
import { readResultLines } from '../manager/results-file.js';
import {
  locateStagedJob,
  resumedStagedSpec,
  runStagedJob,
  uploadStagedJob,
  type LocatedJob,
  type StagedJobOutcome,
} from '../manager/staged-job.js';
import type { ResolvedJobSpec, S3Connection } from '../spec/types.js';
import { safeListener } from '../util/listener.js';
import { stagingRoot } from '../util/paths.js';
import { jobDeps, type RunJobOptions, type UploadedSummary } from './job.js';
import type { JobSummary } from '../manager/types.js';

/** How {@link resumeJob} finishes a job. Every field is optional. */
export interface ResumeJobOptions extends Omit<RunJobOptions, 'estimate'> {
  /** Take the folder's lock even when the process holding it seems alive (`--force`). */
  force?: boolean;
  /**
   * A complete job: run again its inputs whose line is a passing error (`--retry-errors`); the
   * splits that hold them run with their other lines kept, and the file is rewritten safely.
   */
  retryErrors?: boolean;
  /** For an `s3://` location: its staging folder, when not the default one. */
  staging?: string;
  /** For an `s3://` location: S3 connection settings given now; they win over the saved ones. */
  connection?: S3Connection;
  /** Told where the job's folder is (restored or not), before the folder is read. */
  onLocated?: (located: LocatedJob) => void;
  /** Told what the folder holds, before anything runs or is uploaded. */
  onFound?: (found: ResumeFound) => void;
  /**
   * Adds files to the job's folder (the report) before it is uploaded: after the resumed run
   * (`ran` true; called for a job without an `s3://` output too), or before the rest of a
   * complete job's upload (`ran` false).
   */
  beforeUpload?: (dir: string, ran: boolean) => Promise<void>;
  /** Called as each file is uploaded. */
  onUploadFile?: UploadProgress;
}

/** What a resume found in the job's folder, before it runs or uploads anything. */
export interface ResumeFound {
  jobId: string;
  dir: string;
  /** The job's saved spec, with the connection settings given now. */
  spec: ResolvedJobSpec;
  /** True when every split had finished and `job.json` was written: nothing runs. */
  complete: boolean;
  inputs: number;
  /** Splits in the job's plan, and those that run now (0 for a complete job). */
  splits: number;
  remaining: number;
  /** Result lines cut off because their split was never logged as finished. */
  droppedLines: number;
  /**
   * `--retry-errors`: inputs whose line was a passing error, run again now (0 for a complete
   * job that had none); also set when a resume finishes a retry that stopped after its records
   * were swapped.
   */
  retriedInputs?: number;
  /** The number of this run of the job (1 for the first resume); 0 for a complete job. */
  run: number;
  /**
   * False for a job started before the model's digest was recorded: its model and labels could
   * not be checked against what its earlier runs loaded (true for a complete job).
   */
  modelChecked: boolean;
}

/** How a resume ended: a complete job (its recorded summary) or a job that ran again. */
export type ResumedJob =
  | { kind: 'complete'; found: ResumeFound; summary: JobSummary; upload: UploadReport | null }
  | {
      kind: 'ran';
      found: ResumeFound;
      outcome: StagedJobOutcome;
      /** A retry of a job that completed again: how many of its retried inputs now have a prediction. */
      retriedNowOk?: number;
    };

/**
 * Finishes the job that `location` names (a folder, or `s3://bucket/prefix`) and says how: the
 * flow of {@link resumeJob}, with what a command shows on the way. Throws as `resumeJob` does.
 */
export async function finishJob(location: string, options: ResumeJobOptions = {}): Promise<ResumedJob> {
  // Cancelled before it started: no staging folder restored, no lock taken, nothing written.
  options.signal?.throwIfAborted();
  const root = stagingRoot();
  const located = await locateStagedJob(location, {
    ...(options.staging !== undefined ? { staging: options.staging } : {}),
    ...(options.connection ? { connection: options.connection } : {}),
    stagingRoot: root,
  });
  if (options.onLocated) safeListener('onLocated', options.onLocated)(located);
  const prepared = await prepareResume(located.dir, {
    force: options.force === true,
    retryErrors: options.retryErrors === true,
  });
  try {
    const spec = resumedStagedSpec(prepared.spec, location, options.connection);
    const staged = {
      stagingRoot: root,
      ...(options.onUploadFile ? { onUploadFile: safeListener('onUploadFile', options.onUploadFile) } : {}),
    };
    if (prepared.kind === 'complete') {
      const found: ResumeFound = {
        jobId: prepared.jobId,
        dir: prepared.dir,
        spec,
        complete: true,
        inputs: prepared.inputs,
        splits: prepared.splits,
        remaining: 0,
        droppedLines: 0,
        ...(options.retryErrors ? { retriedInputs: 0 } : {}),
        run: 0,
        modelChecked: true,
      };
      if (options.onFound) safeListener('onFound', options.onFound)(found);
      if (spec.uploadTo) await options.beforeUpload?.(spec.outDir, false);
      const upload = await uploadStagedJob(spec, true, staged);
      return { kind: 'complete', found, summary: prepared.summary, upload };
    }
    const { state } = prepared;
    const found: ResumeFound = {
      jobId: state.jobId,
      dir: spec.outDir,
      spec,
      complete: false,
      inputs: prepared.inputs.keys.length,
      splits: prepared.splits,
      remaining: prepared.remaining,
      droppedLines: prepared.droppedLines,
      ...(prepared.retried ? { retriedInputs: prepared.retried.length } : {}),
      run: state.runs.length,
      modelChecked: state.modelDigests !== undefined,
    };
    if (options.onFound) safeListener('onFound', options.onFound)(found);
    const { retried } = prepared;
    let retriedNowOk: number | undefined;
    const outcome = await runStagedJob(
      spec,
      { ...(await jobDeps(options)), resume: state, inputs: prepared.inputs, lock: prepared.lock },
      {
        ...staged,
        // Counted before the upload, which removes a completed job's default staging folder.
        beforeUpload: async (o) => {
          if (retried && o.summary.status === 'completed')
            retriedNowOk = await predictedAmong(o.outDir, retried);
          await options.beforeUpload?.(o.outDir, true);
        },
      },
    );
    if (retriedNowOk === undefined) return { kind: 'ran', found, outcome };
    return { kind: 'ran', found, outcome, retriedNowOk };
  } finally {
    await prepared.lock.release();
  }
}

/** How many of the inputs at `indexes` have a prediction in a completed job's `results.jsonl`. */
async function predictedAmong(dir: string, indexes: readonly number[]): Promise<number> {
  const wanted = new Set(indexes);
  let ok = 0;
  let index = 0;
  for await (const line of readResultLines(path.join(dir, RESULTS_FILE))) {
    if (wanted.has(index++) && 'result' in line && line.result.error === null) ok++;
  }
  return ok;
}

/**
 * Finishes a job whose job manager stopped (a crash, a kill, a cancel) in its own folder, with
 * the settings saved there: only the splits without results run. Returns the job's summary
 * over all its runs; for a job that had completed, the summary it recorded. Throws `UserError`
 * for a folder that is not a job's, or whose lock another running job manager holds, and
 * `SpecError` for records that do not match the job's plan; rejects with `signal.reason`, the
 * folder left as it was, for a signal aborted before the job starts. The folder's lock is held
 * until the job ends. For a job whose `out` is `s3://bucket/prefix`, `location` is that URL: its staging
 * folder is found again (or restored from the uploaded objects), and an upload cut short is
 * finished.
 */
export async function resumeJob(location: string, options: ResumeJobOptions = {}): Promise<UploadedSummary> {
  const resumed = await finishJob(location, options);
  const { summary, upload } = resumed.kind === 'complete' ? resumed : resumed.outcome;
  return upload ? { ...summary, upload } : summary;
}
