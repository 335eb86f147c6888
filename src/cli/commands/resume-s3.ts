/**
 * Where `obifaas run --resume` finds its job: a folder, or for `s3://bucket/prefix` the job's
 * staging folder (`--staging`, or the default folder for that URL), restored from the uploaded
 * objects when it is gone. The S3 connection settings (`--s3-endpoint`, `--s3-region`,
 * `--s3-force-path-style`, or their variables) may be given again: they win over the saved ones.
 */
import { locateStagedJob } from '../../manager/staged-job.js';
import type { S3Connection } from '../../spec/types.js';
import { stagingRoot } from '../../util/paths.js';
import { S3_LOCATION_FLAGS } from '../job-settings.js';
import { s3LocationSettings } from '../s3-out.js';

/** The flags `--resume` takes besides `--json` and `--no-report`: where the job is, not what it does. */
export const RESUME_LOCATION_FLAGS = S3_LOCATION_FLAGS;

/** Where the job to resume is, and what to say about finding it. */
export interface ResumeLocation {
  dir: string;
  /** The S3 connection settings given now (flags or environment), if any. */
  connection?: S3Connection;
  notes: string[];
}

/** The folder of the job that `--resume LOCATION` names (see the module's comment). */
export async function locateJob(location: string, flags: Record<string, unknown>): Promise<ResumeLocation> {
  const { staging, connection } = await s3LocationSettings(flags, '--resume');
  const located = await locateStagedJob(location, {
    ...(staging !== undefined ? { staging } : {}),
    ...(connection ? { connection } : {}),
    stagingRoot: stagingRoot(),
  });
  const notes: string[] = [];
  if (located.restored) {
    const { files, missing } = located.restored;
    const notYet =
      missing.length > 0
        ? `; not uploaded yet: ${missing.join(', ')} (the splits they would record run again)`
        : '';
    notes.push(
      `the staging folder ${located.dir} was missing: restored ${files.length} files from ${location.trim()}${notYet}`,
    );
  }
  return { dir: located.dir, ...(connection ? { connection } : {}), notes };
}
