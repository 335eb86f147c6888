/**
 * A resumed job runs the model it started with (pure): the model and labels files' digests as
 * the job started (`job.spec.json`) against what the files hold now. A job's results must be one
 * model's, so a file that changed is refused, naming it and both digests; there is no override.
 */
import { UserError } from '../errors.js';
import { shortDigest } from '../util/file-digest.js';
import type { ModelDigests } from './types.js';

/** The files a resumed job's digests are compared for: the model's and the labels' locations. */
export interface DigestedFiles {
  model: string;
  labels?: string | undefined;
}

/**
 * Throws {@link UserError} (exit 2, one line) when the model or labels file of job `jobId`
 * changed since it started: `then` was recorded when it started, `now` was read for this run.
 */
export function refuseChangedModel(
  jobId: string,
  files: DigestedFiles,
  then: ModelDigests,
  now: ModelDigests,
): void {
  const changed = (
    what: string,
    file: string | undefined,
    before: string | undefined,
    after: string | undefined,
  ) =>
    new UserError(
      `cannot resume job ${jobId}: its ${what} ${file ?? '(none)'} changed since the job started ` +
        `(sha256 ${before ? shortDigest(before) : 'none'} then, ${after ? shortDigest(after) : 'none'} now); ` +
        `a job's results are one model's: start a new job for this ${what}`,
    );
  if (then.sha256 !== now.sha256) throw changed('model', files.model, then.sha256, now.sha256);
  if (then.labelsSha256 !== now.labelsSha256)
    throw changed('labels file', files.labels, then.labelsSha256, now.labelsSha256);
}
