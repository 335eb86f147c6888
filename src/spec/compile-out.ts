/**
 * Where a job writes (pure): a local output folder, or an `s3://bucket/prefix` with the local
 * staging folder the job works in before it uploads. The staging folder of an S3 output is
 * found again from the URL alone (`--resume s3://...`): its name is the prefix's last segment
 * and a digest of the URL, under `CompileContext.stagingRoot`.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { splitS3Uri } from '../core/storage-ref.js';
import type { Issue } from '../errors.js';
import { DEFAULT_OUT_ROOT } from './defaults.js';
import type { CompileContext, S3Connection, UploadTarget } from './types.js';

/** The settings of the job options that say where it writes. */
export interface OutOptions {
  out?: string | undefined;
  staging?: string | undefined;
  s3?: { endpoint?: string; region?: string; forcePathStyle?: boolean } | undefined;
}

/** Where a job writes. */
export interface CompiledOut {
  outDir: string;
  uploadTo?: UploadTarget;
  s3?: S3Connection;
}

/** True for an `s3://` location (any case). */
export function isS3Uri(value: string): boolean {
  return /^s3:\/\//i.test(value.trim());
}

/**
 * The S3 connection settings, or undefined when none is set. An endpoint carrying a user name
 * or password is an issue (credentials come from the SDK's chain, and never land in a record);
 * the message does not repeat the URL.
 */
export function compileS3Connection(
  s3: OutOptions['s3'] | undefined,
  issues: Issue[],
): S3Connection | undefined {
  if (!s3) return undefined;
  const connection: S3Connection = {};
  if (s3.endpoint !== undefined) {
    const url = URL.canParse(s3.endpoint) ? new URL(s3.endpoint) : undefined;
    if (url && (url.username !== '' || url.password !== '')) {
      issues.push({
        path: 's3.endpoint',
        message:
          'a user name or password in the URL is refused: credentials come from the AWS SDK (AWS_ACCESS_KEY_ID, AWS_PROFILE, a role)',
      });
    } else if (url && (url.search !== '' || url.hash !== '')) {
      issues.push({ path: 's3.endpoint', message: 'expected a URL without a query or fragment' });
    } else connection.endpoint = s3.endpoint.replace(/\/+$/, '');
  }
  if (s3.region !== undefined) connection.region = s3.region;
  if (s3.forcePathStyle !== undefined) connection.forcePathStyle = s3.forcePathStyle;
  return Object.keys(connection).length > 0 ? connection : undefined;
}

/**
 * An `s3://bucket/prefix` as an upload target: the URI without a trailing slash, and the store
 * (bucket, prefix, connection). Returns an issue at `at` for a URI naming no valid bucket, or a
 * prefix with empty, `.` or `..` segments.
 */
export function uploadTargetOf(
  uri: string,
  connection: S3Connection | undefined,
  at = 'out',
): UploadTarget | Issue {
  const parts = splitS3Uri(uri);
  if ('error' in parts) return { path: at, message: parts.error };
  const prefix = parts.key.replace(/\/+$/, '');
  if (prefix.split('/').some((s) => s === '.' || s === '..' || (s === '' && prefix !== ''))) {
    return { path: at, message: `'${uri.trim()}': the prefix has an empty, '.' or '..' segment` };
  }
  return {
    uri: `s3://${parts.bucket}${prefix === '' ? '' : `/${prefix}`}`,
    store: { type: 's3', bucket: parts.bucket, ...(prefix === '' ? {} : { prefix }), ...connection },
  };
}

/** The staging folder of an upload target: `<root>/<last prefix segment or bucket>-<digest>`. */
export function stagingFolderFor(target: UploadTarget, root: string): string {
  const digest = createHash('sha256').update(target.uri, 'utf8').digest('hex').slice(0, 16);
  const tail = (target.store.prefix ?? target.store.bucket).split('/').pop() ?? '';
  const name = tail.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 40);
  return path.join(root, `${name}-${digest}`);
}

/**
 * Where a job named `name` writes: `out` (a local path, or an S3 URI with its staging folder),
 * else `<cwd>/obifaas-out/<name>-<time>`. Issues go into `issues`.
 */
export function compileOut(
  o: OutOptions,
  name: string,
  context: CompileContext,
  issues: Issue[],
  timestamp: string,
): CompiledOut {
  const s3 = compileS3Connection(o.s3, issues);
  const withS3 = s3 ? { s3 } : {};
  const local = (value: string): string => path.resolve(context.cwd, value);
  if (o.out === undefined || !isS3Uri(o.out)) {
    if (o.out !== undefined && /^[a-z][a-z0-9+.-]*:\/\//i.test(o.out))
      issues.push({ path: 'out', message: 'expected a local folder or s3://BUCKET/PREFIX' });
    if (o.staging !== undefined)
      issues.push({ path: 'staging', message: 'a staging folder goes with an s3:// out only' });
    return {
      outDir:
        o.out !== undefined ? local(o.out) : path.join(context.cwd, DEFAULT_OUT_ROOT, `${name}-${timestamp}`),
      ...withS3,
    };
  }
  const target = uploadTargetOf(o.out, s3);
  if (!('uri' in target)) {
    issues.push(target);
    return { outDir: local('.'), ...withS3 };
  }
  if (o.staging === undefined && context.stagingRoot === undefined) {
    issues.push({ path: 'staging', message: 'an s3:// output needs a local staging folder: set staging' });
    return { outDir: local('.'), ...withS3 };
  }
  const outDir =
    o.staging !== undefined ? local(o.staging) : stagingFolderFor(target, context.stagingRoot as string);
  return { outDir, uploadTo: target, ...withS3 };
}
