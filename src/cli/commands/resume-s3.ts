/**
 * `obifaas run --resume s3://bucket/prefix`: finds the job's staging folder again (`--staging`,
 * or the default folder for that URL), or restores it from the uploaded objects when it is gone.
 * The S3 connection settings (`--s3-endpoint`, `--s3-region`, `--s3-force-path-style`, or their
 * variables) may be given again: they reach the service, and win over the saved ones.
 */
import path from 'node:path';
import { stat } from 'node:fs/promises';
import { SpecError, UserError, type Issue } from '../../errors.js';
import { INVOCATIONS_FILE } from '../../manager/job-spec-file.js';
import { restoreStaging } from '../../manager/job-upload.js';
import { JOB_SPEC_FILE, RESULTS_FILE, SPLITS_FILE } from '../../manager/output.js';
import { compileS3Connection, stagingFolderFor, uploadTargetOf } from '../../spec/compile-out.js';
import { s3ConnectionSchema } from '../../spec/schema.js';
import type { ResolvedJobSpec, S3Connection, UploadTarget } from '../../spec/types.js';
import { stagingRoot } from '../../util/paths.js';
import { checkSchema } from '../../util/schema.js';
import { configFlags, pickConfigFlags } from '../config-flags.js';

/** The flags `--resume` takes besides `--json` and `--no-report`: where the job is, not what it does. */
export const RESUME_LOCATION_FLAGS = configFlags({
  only: ['staging', 's3.endpoint', 's3.region', 's3.forcePathStyle'],
});

/** Where the job to resume is, and what the CLI should say about finding it. */
export interface LocatedJob {
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

/**
 * The folder of the job that `--resume LOCATION` names: a local folder as it is; for an `s3://`
 * location its staging folder, restored from the uploaded objects when it is missing.
 */
export async function locateJob(location: string, flags: Record<string, unknown>): Promise<LocatedJob> {
  const { staging, connection } = await locationSettings(flags);
  const withConnection = connection ? { connection } : {};
  if (!/^s3:\/\//i.test(location.trim())) {
    if (staging !== undefined) throw new UserError('--staging goes with --resume s3://BUCKET/PREFIX only');
    return { dir: location, ...withConnection, notes: [] };
  }
  const target = uploadTargetOf(location, connection, '--resume');
  if (!('uri' in target)) throw new UserError(`${target.path}: ${target.message}`);
  const dir = staging ?? stagingFolderFor(target, stagingRoot());
  if (await stat(path.join(dir, JOB_SPEC_FILE)).catch(() => null))
    return { dir, ...withConnection, notes: [] };
  const records = [SPLITS_FILE, RESULTS_FILE, INVOCATIONS_FILE];
  const restored = await restoreStaging(target, dir, records);
  const missing =
    restored.missing.length > 0
      ? `; not uploaded yet: ${restored.missing.join(', ')} (the splits they would record run again)`
      : '';
  return {
    dir,
    ...withConnection,
    notes: [
      `the staging folder ${dir} was missing: restored ${restored.files.length} files from ${target.uri}${missing}`,
    ],
  };
}

/**
 * The saved spec with the connection settings given now, checked against the location given:
 * a staging folder of another target is refused.
 */
export function resumedSpec(
  spec: ResolvedJobSpec,
  location: string,
  connection?: S3Connection,
): ResolvedJobSpec {
  const target: UploadTarget | undefined = spec.uploadTo;
  if (/^s3:\/\//i.test(location.trim())) {
    const given = uploadTargetOf(location, undefined, '--resume');
    if (!target || ('uri' in given && given.uri !== target.uri))
      throw new UserError(
        `--resume: the staging folder ${spec.outDir} holds a job of ${target?.uri ?? 'a local output folder'}, not of ${location.trim()}`,
      );
  }
  if (!connection || !target) return spec;
  return {
    ...spec,
    s3: { ...spec.s3, ...connection },
    uploadTo: { ...target, store: { ...target.store, ...connection } },
  };
}
