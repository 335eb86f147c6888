/**
 * Where `obifaas run --resume` finds its job: a folder, or for `s3://bucket/prefix` the job's
 * staging folder (`--staging`, or the default folder for that URL), restored from the uploaded
 * objects when it is gone. The S3 connection settings (`--s3-endpoint`, `--s3-region`,
 * `--s3-force-path-style`, or their variables) may be given again: they win over the saved ones.
 */
import path from 'node:path';
import { SpecError, type Issue } from '../../errors.js';
import { locateStagedJob } from '../../manager/staged-job.js';
import { compileS3Connection } from '../../spec/compile-out.js';
import { s3ConnectionSchema } from '../../spec/schema.js';
import type { S3Connection } from '../../spec/types.js';
import { stagingRoot } from '../../util/paths.js';
import { checkSchema } from '../../util/schema.js';
import { configFlags, pickConfigFlags } from '../config-flags.js';

/** The flags `--resume` takes besides `--json` and `--no-report`: where the job is, not what it does. */
export const RESUME_LOCATION_FLAGS = configFlags({
  only: ['staging', 's3.endpoint', 's3.region', 's3.forcePathStyle'],
});

/** Where the job to resume is, and what to say about finding it. */
export interface ResumeLocation {
  dir: string;
  /** The S3 connection settings given now (flags or environment), if any. */
  connection?: S3Connection;
  notes: string[];
}

/** The location settings given with `--resume`: flags, then `OBIFAAS_*` variables. */
async function locationSettings(
  flags: Record<string, unknown>,
): Promise<{ staging?: string; connection?: S3Connection }> {
  const { gatherJobOptions } = await import('../../config/resolve.js');
  const merged = await gatherJobOptions({ flags: pickConfigFlags(flags, RESUME_LOCATION_FLAGS) });
  const options = merged.options as { staging?: unknown; s3?: unknown };
  const issues: Issue[] = [];
  const s3 = checkSchema(s3ConnectionSchema, options.s3 ?? {});
  if (!s3.ok) issues.push(...s3.issues.map((i) => ({ ...i, path: `s3.${i.path}` })));
  const connection = s3.ok ? compileS3Connection(s3.data, issues) : undefined;
  if (issues.length > 0) throw new SpecError(issues, '--resume');
  return {
    ...(typeof options.staging === 'string' ? { staging: path.resolve(options.staging) } : {}),
    ...(connection ? { connection } : {}),
  };
}

/** The folder of the job that `--resume LOCATION` names (see the module's comment). */
export async function locateJob(location: string, flags: Record<string, unknown>): Promise<ResumeLocation> {
  const { staging, connection } = await locationSettings(flags);
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
