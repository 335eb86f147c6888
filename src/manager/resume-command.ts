/**
 * The command that finishes a stopped job, as every message that advises it shows it: the
 * job's target (its output folder, or the `s3://` prefix of a job with an S3 output, never its
 * staging folder) quoted for the shell.
 */
import type { ResolvedJobSpec } from '../spec/types.js';
import type { JobSummary, SplitRecord } from './types.js';

/** `text` as one shell word: as it is when it is plain, else in single quotes. */
export function shellWord(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

/**
 * `obifaas run --resume TARGET`, TARGET quoted for the shell. `target`: the job's output folder,
 * or the `s3://` prefix of a job with an S3 output ({@link resumeTargetOf}).
 */
export function resumeCommand(target: string): string {
  return `obifaas run --resume ${shellWord(target)}`;
}

/** What `--resume` is given to finish the job of `spec`: its `s3://` output, else its folder. */
export function resumeTargetOf(spec: Pick<ResolvedJobSpec, 'outDir' | 'uploadTo'>): string {
  return spec.uploadTo?.uri ?? spec.outDir;
}

/**
 * How many of a job's inputs a `--resume` would run again: those of the splits that no run
 * finished (a stopped or cancelled job gave them a line with its reason, which a resume drops).
 */
export function unfinishedInputs(record: {
  splits: readonly Pick<SplitRecord, 'inputs' | 'status'>[];
  summary: Pick<JobSummary, 'inputs'>;
}): number {
  const finished = record.splits.reduce((n, split) => n + (split.status === 'done' ? split.inputs : 0), 0);
  return Math.max(0, record.summary.inputs - finished);
}
