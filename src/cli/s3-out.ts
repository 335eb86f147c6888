/**
 * `--out s3://...` for the commands besides `run`: a command writes its folder or file locally
 * (a staging folder, or a temporary file), then it is uploaded. The S3 connection settings come
 * from the job flags a command takes (`--s3-endpoint`, `--s3-region`, `--s3-force-path-style`)
 * and the `OBIFAAS_S3_*` variables. Commands whose outputs stay local refuse an `s3://` out.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { SpecError, UserError, type Issue } from '../errors.js';
import { prepareUploadTarget, uploadJobOutputs, type UploadReport } from '../manager/job-upload.js';
import { compileS3Connection, isS3Uri, stagingFolderFor, uploadTargetOf } from '../spec/compile-out.js';
import { s3ConnectionSchema } from '../spec/schema.js';
import type { S3Connection, UploadTarget } from '../spec/types.js';
import { openStore } from '../storage/open-store.js';
import { stagingRoot } from '../util/paths.js';
import { checkSchema } from '../util/schema.js';
import { pickConfigFlags } from './config-flags.js';
import { S3_LOCATION_FLAGS } from './job-settings.js';

/** The staging folder and S3 connection given by flags (of {@link S3_LOCATION_FLAGS}) or variables. */
export async function s3LocationSettings(
  flags: Record<string, unknown>,
  what = '--out',
): Promise<{ staging?: string; connection?: S3Connection }> {
  const { gatherJobOptions } = await import('../config/resolve.js');
  const merged = await gatherJobOptions({ flags: pickConfigFlags(flags, S3_LOCATION_FLAGS) });
  const options = merged.options as { staging?: unknown; s3?: unknown };
  const issues: Issue[] = [];
  const s3 = checkSchema(s3ConnectionSchema, options.s3 ?? {});
  if (!s3.ok) issues.push(...s3.issues.map((i) => ({ ...i, path: `s3.${i.path}` })));
  const connection = s3.ok ? compileS3Connection(s3.data, issues) : undefined;
  if (issues.length > 0) throw new SpecError(issues, what);
  return {
    ...(typeof options.staging === 'string' ? { staging: path.resolve(options.staging) } : {}),
    ...(connection ? { connection } : {}),
  };
}

async function targetOf(
  out: string,
  flags: Record<string, unknown>,
): Promise<{ target: UploadTarget; staging?: string }> {
  const { staging, connection } = await s3LocationSettings(flags);
  const target = uploadTargetOf(out, connection, '--out');
  if (!('uri' in target)) throw new UserError(`${target.path}: ${target.message}`);
  return { target, ...(staging !== undefined ? { staging } : {}) };
}

/** Where a folder command writes: `out` itself, or the staging folder of an `s3://` out. */
export interface FolderOutput {
  /** The local folder (undefined: the command's default). */
  dir: string | undefined;
  target: UploadTarget | null;
  /** True for a staging folder of ours (removed once uploaded), false for `--staging DIR`. */
  ownStaging: boolean;
}

/**
 * The local folder of `--out`: for `s3://bucket/prefix`, a staging folder (checked and made,
 * mode 0700), after checking that the prefix holds no objects yet.
 */
export async function folderOutput(
  out: string | undefined,
  flags: Record<string, unknown>,
): Promise<FolderOutput> {
  if (out === undefined || !isS3Uri(out)) {
    if (flags.staging !== undefined) throw new UserError('--staging goes with --out s3://BUCKET/PREFIX only');
    return { dir: out, target: null, ownStaging: false };
  }
  const { target, staging } = await targetOf(out, flags);
  const dir = staging ?? stagingFolderFor(target, stagingRoot());
  await prepareUploadTarget(target, dir);
  return { dir, target, ownStaging: staging === undefined };
}

/**
 * Uploads a folder command's outputs (`last` after the others); the notes say what became of
 * them. A local folder is left as it is.
 */
export async function publishFolder(
  output: FolderOutput,
  last: readonly string[],
): Promise<{ upload: UploadReport | null; notes: string[] }> {
  if (!output.target || output.dir === undefined) return { upload: null, notes: [] };
  const upload = await uploadJobOutputs(output.target, output.dir, {
    removeStaging: output.ownStaging,
    last,
  });
  if (upload.status === 'uploaded')
    return { upload, notes: [`uploaded ${upload.files} files to ${upload.to}`] };
  return {
    upload,
    notes: [
      `outputs not uploaded to ${upload.to}: ${upload.error}; they are in ${upload.staging} (copy them with \`aws s3 cp --recursive\`)`,
    ],
  };
}

/** Where a file written in a folder output ended up: its `s3://` URL once uploaded. */
export function placeOf(file: string, output: FolderOutput, upload: UploadReport | null): string {
  if (upload?.status !== 'uploaded' || output.dir === undefined) return file;
  const relative = path.relative(output.dir, path.resolve(file));
  if (relative.startsWith('..') || path.isAbsolute(relative)) return file;
  return relative === '' ? upload.to : `${upload.to}/${relative.split(path.sep).join('/')}`;
}

/**
 * A file command's `--out`: `write(file)` writes to `out`, or for `s3://bucket/key` to a
 * temporary file that is then put at that key. Returns what `write` returned, and the URL the
 * file went to (null: written locally).
 */
export async function writeFileOutput<T>(
  out: string | undefined,
  flags: Record<string, unknown>,
  write: (file: string | undefined) => Promise<T>,
): Promise<{ value: T; uploadedTo: string | null }> {
  if (out === undefined || !isS3Uri(out)) return { value: await write(out), uploadedTo: null };
  const { target } = await targetOf(out, flags);
  const key = target.store.prefix;
  if (key === undefined)
    throw new UserError(`--out: '${out}' names a bucket; give the key of the file: s3://BUCKET/KEY`);
  const temporary = await mkdtemp(path.join(os.tmpdir(), 'obifaas-out-'));
  try {
    const file = path.join(temporary, path.posix.basename(key));
    const value = await write(file);
    const { prefix: _key, ...bucket } = target.store;
    const store = await openStore(bucket);
    try {
      await store.put(key, await readFile(file));
    } finally {
      await store.close();
    }
    return { value, uploadedTo: target.uri };
  } finally {
    await rm(temporary, { recursive: true, force: true });
  }
}

/**
 * A folder that a command reads (a job's, a day's), which must be on this machine: its absolute
 * path, or for an `s3://` location a {@link UserError} that says how to copy it here (`what`
 * names the argument: `report`, `--compare`).
 */
export function localFolderArg(location: string, what: string): string {
  if (!isS3Uri(location)) return path.resolve(location);
  const name = location.replace(/\/+$/, '').split('/').pop() || 'job';
  throw new UserError(
    `${what}: ${location} is in object storage, and this command reads a folder on this machine: copy it here first (\`aws s3 cp --recursive ${location} ./${name}\`) and give that folder`,
  );
}
