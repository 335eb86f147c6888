/**
 * The start of one run of a job, before any function starts: the job's id (a resumed job keeps
 * its own), the splits its earlier runs finished (each must be one of the job's plan), this
 * run's entry among the job's runs, and `job.spec.json` written with them.
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { UserError } from '../errors.js';
import { planSplits, unknownSplits } from '../job-plan/plan-job.js';
import type { ResolvedJobSpec } from '../spec/types.js';
import { writeJobSpecFile } from './job-spec-file.js';
import { SPLITS_FILE } from './output.js';
import type { ResumeState } from './run-job-types.js';
import type { JobRunRecord, ModelDigests } from './types.js';

/** What a run starts from: the job, its inputs' count and digest, and what its files held. */
export interface JobRunStartInput {
  spec: ResolvedJobSpec;
  /** How many inputs the job has, and their digest (`inputs-digest.ts`). */
  inputs: { count: number; digest: string };
  /** What the model and labels files held when the job started (unknown for an older job). */
  digests: ModelDigests | undefined;
  /** The earlier runs of a resumed job. */
  resume: ResumeState | undefined;
  now: () => number;
}

/** One run of a job, as it starts. */
export interface JobRunStart {
  jobId: string;
  /** Epoch ms this run started. */
  startedAt: number;
  /** This run's number (0: the job's first run). */
  run: number;
  /** This run's entry, which the job fills in (`endedAt`) when it ends. */
  thisRun: JobRunRecord;
  /** Every run of the job, this one last. */
  runs: JobRunRecord[];
  /** The ids of the splits earlier runs finished. */
  doneBefore: Set<string>;
}

/**
 * Starts a run of the job in its folder `spec.outDir` (locked by the caller): writes
 * `job.spec.json` with this run added. Throws {@link UserError} when a resumed job's
 * `splits.jsonl` names splits its plan does not have.
 */
export async function startJobRun({
  spec,
  inputs,
  digests,
  resume,
  now,
}: JobRunStartInput): Promise<JobRunStart> {
  const jobId = resume?.jobId ?? `${spec.name}-${randomBytes(4).toString('hex')}`;
  const startedAt = now();
  const doneBefore = new Set(resume?.doneSplits.map((line) => line.splitId));
  const allSplits = planSplits(spec, inputs.count);
  const unknown = unknownSplits(allSplits, doneBefore);
  if (unknown.length > 0) {
    throw new UserError(
      `cannot resume job ${jobId}: ${SPLITS_FILE} names splits the job's plan does not have (${unknown.slice(0, 5).join(', ')})`,
    );
  }
  const run = resume ? resume.runs.length : 0;
  const thisRun: JobRunRecord = {
    run,
    startedAt: new Date(startedAt).toISOString(),
    endedAt: null,
    splitsToRun: allSplits.length - doneBefore.size,
    splitsAlreadyDone: doneBefore.size,
    workerIdPrefix: run === 0 ? '' : `r${run}.`,
    pid: process.pid,
    host: os.hostname(),
  };
  const runs = [...(resume?.runs ?? []), thisRun];
  await writeJobSpecFile(spec.outDir, {
    version: 1,
    jobId,
    spec,
    inputs,
    ...(digests ? { model: digests } : {}),
    runs,
  });
  return { jobId, startedAt, run, thisRun, runs, doneBefore };
}
