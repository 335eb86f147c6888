/**
 * What a function may read and dial (pure): fixed by its deployment, never by the payload. The
 * deployment sets it in the function's environment: `serve-function` from its flags or its
 * environment, Lambda functions from `obifaas deploy`, local function processes from the job
 * manager (the job's input root, model file and labels file). A payload that names anything
 * else is refused before any work starts.
 *
 * - `readRoots`: folders (everything under them) and files the function may read. None by default.
 * - `buckets`: S3 buckets it may read; `*` any bucket on its S3 endpoint. None by default.
 * - `s3`: the S3 endpoint (and region, path style) every S3 request goes to; the payload cannot
 *   point the function's credentials anywhere else. Default: AWS.
 * - `dispatchers`: networks (CIDR), addresses or host names of the dispatchers a dynamic
 *   worker may dial. Default: loopback only.
 * - `dispatcherTls`: `required` refuses a dynamic payload that pins no dispatcher certificate
 *   (a dispatcher in clear text). Default: `optional`.
 */
import * as z from 'zod';
import { UserError } from '../errors.js';

/** What a function may read and which endpoints it may use. */
export interface FunctionAccess {
  /** Absolute paths of folders and files the function may read. */
  readRoots: string[];
  /** S3 buckets it may read (`*`: any bucket on its endpoint). */
  buckets: string[];
  /** The S3 connection every S3 request uses. */
  s3: { endpoint?: string; region?: string; forcePathStyle?: boolean };
  /** CIDR networks, addresses or host names of the dispatchers it may dial. */
  dispatchers: string[];
  /** `required`: only dispatchers that speak TLS with a certificate the payload pins. */
  dispatcherTls: DispatcherTlsRequirement;
}

/** Whether a function talks to a dispatcher in clear text. */
export type DispatcherTlsRequirement = 'optional' | 'required';

/** The environment variables that carry a {@link FunctionAccess}. */
export const FUNCTION_ACCESS_ENV = {
  /** Folders and files, separated by the platform's path delimiter (`:`), or a JSON list. */
  readRoots: 'OBIFAAS_FUNCTION_READ',
  /** Bucket names, comma-separated, or `*`. */
  buckets: 'OBIFAAS_FUNCTION_BUCKETS',
  s3Endpoint: 'OBIFAAS_FUNCTION_S3_ENDPOINT',
  s3Region: 'OBIFAAS_FUNCTION_S3_REGION',
  /** `true` or `false`. */
  s3ForcePathStyle: 'OBIFAAS_FUNCTION_S3_PATH_STYLE',
  /** CIDR networks, addresses or host names, comma-separated. */
  dispatchers: 'OBIFAAS_FUNCTION_DISPATCHERS',
  /** `required` or `optional`. */
  dispatcherTls: 'OBIFAAS_FUNCTION_DISPATCHER_TLS',
} as const;

/** Dispatchers a function may dial when its deployment names none: this machine. */
export const DEFAULT_DISPATCHERS: readonly string[] = ['127.0.0.0/8', '::1/128'];

/** Any bucket on the deployment's S3 endpoint. */
export const ANY_BUCKET = '*';

/** The access of a function whose deployment allows nothing but loopback dispatchers. */
export function noAccess(): FunctionAccess {
  return {
    readRoots: [],
    buckets: [],
    s3: {},
    dispatchers: [...DEFAULT_DISPATCHERS],
    dispatcherTls: 'optional',
  };
}

const HOST_NAME =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const REGION = /^[a-z]{2,}(?:-[a-z0-9]+)+$/;

const dispatcherEntry = z.union([z.cidrv4(), z.cidrv6(), z.ipv4(), z.ipv6(), z.string().regex(HOST_NAME)]);

/** Why `entry` is not a dispatcher network, address or host name; undefined when it is one. */
export function dispatcherEntryProblem(entry: string): string | undefined {
  return dispatcherEntry.safeParse(entry).success
    ? undefined
    : `'${entry}' is not a CIDR network (10.0.0.0/16), an IP address or a host name`;
}

/** Why `name` is not a bucket name or `*`; undefined when it is one. */
export function bucketEntryProblem(name: string): string | undefined {
  return name === ANY_BUCKET || (BUCKET_NAME.test(name) && !name.includes('..'))
    ? undefined
    : `'${name}' is not an S3 bucket name (or * for any bucket)`;
}

/**
 * Why `region` does not have the form of an AWS region (`eu-west-1`); undefined when it has. The
 * one check of a region name: the job's `s3.region`, a function's deployment and its payloads.
 */
export function regionNameProblem(region: string): string | undefined {
  return REGION.test(region) && region.length <= 32
    ? undefined
    : `expected a region name like eu-west-1 (lowercase words joined by hyphens), got '${region}'`;
}

/** Why `endpoint` is not an http(s) URL without credentials, path or query; undefined when it is. */
export function s3EndpointProblem(endpoint: string): string | undefined {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return `'${endpoint}' is not a URL`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `'${endpoint}' is not an http(s) URL`;
  if (url.username !== '' || url.password !== '') return 'an S3 endpoint URL must not hold credentials';
  return undefined;
}

/** The same endpoint written one way (`http://HOST:PORT` without a trailing slash). */
export function normalEndpoint(endpoint: string): string {
  try {
    const url = new URL(endpoint);
    return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`;
  } catch {
    return endpoint;
  }
}

function list(raw: string | undefined, separator: string | RegExp): string[] {
  if (raw === undefined) return [];
  const text = raw.trim();
  if (text.startsWith('[')) {
    const parsed = z.array(z.string()).safeParse(safeJson(text));
    if (!parsed.success) throw new UserError(`expected a JSON list of strings, got ${text.slice(0, 60)}`);
    return parsed.data.filter((s) => s !== '');
  }
  return text
    .split(separator)
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * The access the environment `env` gives a function. Throws `UserError` naming the variable
 * for a value that is not one of its kind (a relative path, a bad bucket, a bad network).
 */
export function accessFromEnv(
  env: Readonly<Record<string, string | undefined>>,
  pathDelimiter = ':',
): FunctionAccess {
  const names = FUNCTION_ACCESS_ENV;
  const problems: string[] = [];
  const read = (name: string, separator: string | RegExp): string[] => {
    try {
      return list(env[name], separator);
    } catch (err) {
      problems.push(`${name}: ${(err as Error).message}`);
      return [];
    }
  };
  const readRoots = read(names.readRoots, pathDelimiter);
  for (const root of readRoots)
    if (!root.startsWith('/') && !/^[A-Za-z]:[\\/]/.test(root))
      problems.push(`${names.readRoots}: '${root}' is not an absolute path`);
  const buckets = read(names.buckets, ',');
  for (const bucket of buckets) {
    const problem = bucketEntryProblem(bucket);
    if (problem) problems.push(`${names.buckets}: ${problem}`);
  }
  const dispatcherList = env[names.dispatchers];
  const dispatchers = dispatcherList === undefined ? [...DEFAULT_DISPATCHERS] : read(names.dispatchers, ',');
  for (const entry of dispatchers) {
    const problem = dispatcherEntryProblem(entry);
    if (problem) problems.push(`${names.dispatchers}: ${problem}`);
  }
  const s3: FunctionAccess['s3'] = {};
  const endpoint = env[names.s3Endpoint]?.trim();
  if (endpoint) {
    const problem = s3EndpointProblem(endpoint);
    if (problem) problems.push(`${names.s3Endpoint}: ${problem}`);
    else s3.endpoint = normalEndpoint(endpoint);
  }
  const region = env[names.s3Region]?.trim();
  if (region) {
    const problem = regionNameProblem(region);
    if (problem) problems.push(`${names.s3Region}: ${problem}`);
    else s3.region = region;
  }
  const pathStyle = env[names.s3ForcePathStyle]?.trim();
  if (pathStyle) {
    if (pathStyle === 'true' || pathStyle === 'false') s3.forcePathStyle = pathStyle === 'true';
    else problems.push(`${names.s3ForcePathStyle}: expected true or false, got '${pathStyle}'`);
  }
  let dispatcherTls: DispatcherTlsRequirement = 'optional';
  const tls = env[names.dispatcherTls]?.trim();
  if (tls === 'required' || tls === 'optional') dispatcherTls = tls;
  else if (tls)
    problems.push(`${names.dispatcherTls}: expected required or optional, got '${tls.slice(0, 40)}'`);
  if (problems.length > 0) throw new UserError(`the function's deployment settings: ${problems.join('; ')}`);
  return { readRoots, buckets, s3, dispatchers, dispatcherTls };
}

/** The environment that gives a function `access` (every variable set, so nothing is inherited). */
export function accessToEnv(access: FunctionAccess): Record<string, string> {
  const names = FUNCTION_ACCESS_ENV;
  return {
    [names.readRoots]: JSON.stringify(access.readRoots),
    [names.buckets]: access.buckets.join(','),
    [names.dispatchers]: access.dispatchers.join(','),
    [names.s3Endpoint]: access.s3.endpoint ?? '',
    [names.s3Region]: access.s3.region ?? '',
    [names.s3ForcePathStyle]: access.s3.forcePathStyle === undefined ? '' : String(access.s3.forcePathStyle),
    [names.dispatcherTls]: access.dispatcherTls,
  };
}

/**
 * `base` widened by `more`: the union of the roots, buckets and dispatchers; `more`'s S3
 * settings where it has them; TLS required when either requires it.
 */
export function mergeAccess(base: FunctionAccess, more: FunctionAccess): FunctionAccess {
  const union = (a: readonly string[], b: readonly string[]): string[] => [...new Set([...a, ...b])];
  return {
    readRoots: union(base.readRoots, more.readRoots),
    buckets: union(base.buckets, more.buckets),
    s3: { ...base.s3, ...more.s3 },
    dispatchers: union(base.dispatchers, more.dispatchers),
    dispatcherTls: base.dispatcherTls === 'required' ? 'required' : more.dispatcherTls,
  };
}

/** True when both give the same access. */
export function sameAccess(a: FunctionAccess, b: FunctionAccess): boolean {
  const key = (x: FunctionAccess): string =>
    JSON.stringify([
      [...x.readRoots].sort(),
      [...x.buckets].sort(),
      [...x.dispatchers].sort(),
      x.s3.endpoint ?? null,
      x.s3.region ?? null,
      x.s3.forcePathStyle ?? null,
      x.dispatcherTls,
    ]);
  return key(a) === key(b);
}
