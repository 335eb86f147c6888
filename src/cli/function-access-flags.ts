/**
 * The flags that fix what a function may read and dial (`serve-function` and `deploy`): each
 * overrides its `OBIFAAS_FUNCTION_*` environment variable (`protocol/function-access.ts`).
 */
import path from 'node:path';
import type { Command } from 'commander';
import { UserError } from '../errors.js';
import { collectRepeated } from './options.js';
import {
  accessFromEnv,
  accessToEnv,
  bucketEntryProblem,
  dispatcherEntryProblem,
  FUNCTION_ACCESS_ENV,
  regionNameProblem,
  normalEndpoint,
  s3EndpointProblem,
  type FunctionAccess,
} from '../protocol/function-access.js';

/** The access flags as commander parses them. */
export interface FunctionAccessFlags {
  allowRead?: string[];
  allowBuckets?: string;
  allowDispatchers?: string;
  storageEndpoint?: string;
  storageRegion?: string;
  storagePathStyle?: boolean;
  requireDispatcherTls?: boolean;
}

/** Adds the access flags to `command`. */
export function addFunctionAccessOptions(command: Command): Command {
  const env = FUNCTION_ACCESS_ENV;
  return command
    .option(
      '--allow-read <path>',
      `a folder or file the function may read (repeatable; default: none, env ${env.readRoots})`,
      collectRepeated,
    )
    .option(
      '--allow-buckets <names>',
      `S3 buckets the function may read, comma-separated, or * for any (default: none, env ${env.buckets})`,
    )
    .option(
      '--allow-dispatchers <networks>',
      `dispatchers a dynamic worker may dial: CIDR networks, addresses or host names, comma-separated (default: loopback, env ${env.dispatchers})`,
    )
    .option(
      '--storage-endpoint <url>',
      `the S3 endpoint of the function's storage (default: AWS, env ${env.s3Endpoint})`,
    )
    .option('--storage-region <region>', `the region of the function's storage (env ${env.s3Region})`)
    .option('--storage-path-style', `path-style S3 requests (env ${env.s3ForcePathStyle})`)
    .option(
      '--require-dispatcher-tls',
      `refuse a dynamic payload whose dispatcher speaks clear text: only TLS with the certificate the payload pins (env ${env.dispatcherTls}=required)`,
    );
}

function commaList(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/**
 * The access the flags give, over what the environment `env` gives. Throws `UserError` naming
 * the flag for a value that is not one of its kind.
 */
export function accessFromFlags(
  flags: FunctionAccessFlags,
  env: NodeJS.ProcessEnv = process.env,
): FunctionAccess {
  const base = accessFromEnv(env, path.delimiter);
  const problems: string[] = [];
  const access: FunctionAccess = { ...base, s3: { ...base.s3 } };
  const allowRead = flags.allowRead ?? [];
  if (allowRead.length > 0) access.readRoots = allowRead.map((p) => path.resolve(p));
  if (flags.allowBuckets !== undefined) {
    access.buckets = commaList(flags.allowBuckets);
    for (const b of access.buckets) {
      const problem = bucketEntryProblem(b);
      if (problem) problems.push(`--allow-buckets: ${problem}`);
    }
  }
  if (flags.allowDispatchers !== undefined) {
    access.dispatchers = commaList(flags.allowDispatchers);
    for (const d of access.dispatchers) {
      const problem = dispatcherEntryProblem(d);
      if (problem) problems.push(`--allow-dispatchers: ${problem}`);
    }
  }
  if (flags.storageEndpoint !== undefined) {
    const problem = s3EndpointProblem(flags.storageEndpoint);
    if (problem) problems.push(`--storage-endpoint: ${problem}`);
    else access.s3.endpoint = normalEndpoint(flags.storageEndpoint);
  }
  if (flags.storageRegion !== undefined) {
    const problem = regionNameProblem(flags.storageRegion);
    if (problem) problems.push(`--storage-region: ${problem}`);
    else access.s3.region = flags.storageRegion;
  }
  if (flags.storagePathStyle) access.s3.forcePathStyle = true;
  if (flags.requireDispatcherTls) access.dispatcherTls = 'required';
  if (problems.length > 0) throw new UserError(problems.join('; '));
  return access;
}

/** The function environment variables the flags set (for `deploy`): only those given. */
export function accessEnvFromFlags(flags: FunctionAccessFlags): Record<string, string> {
  const given = accessToEnv(accessFromFlags(flags, {}));
  const env = FUNCTION_ACCESS_ENV;
  const out: Record<string, string> = {};
  if ((flags.allowRead ?? []).length > 0) out[env.readRoots] = given[env.readRoots] as string;
  if (flags.allowBuckets !== undefined) out[env.buckets] = given[env.buckets] as string;
  if (flags.allowDispatchers !== undefined) out[env.dispatchers] = given[env.dispatchers] as string;
  if (flags.storageEndpoint !== undefined) out[env.s3Endpoint] = given[env.s3Endpoint] as string;
  if (flags.storageRegion !== undefined) out[env.s3Region] = given[env.s3Region] as string;
  if (flags.storagePathStyle) out[env.s3ForcePathStyle] = 'true';
  if (flags.requireDispatcherTls) out[env.dispatcherTls] = 'required';
  return out;
}
