/** What `obifaas deploy`, `ping` and `undeploy` work with, and its checks (pure). */
import { UserError } from '../errors.js';
import type { LambdaArch } from '../package/build-package.js';
import {
  MAX_EPHEMERAL_STORAGE_MB,
  MAX_FUNCTION_TIMEOUT_S,
  MAX_MEMORY_MB,
  MIN_EPHEMERAL_STORAGE_MB,
  MIN_MEMORY_MB,
} from '../protocol/limits.js';
import type { LambdaLimits } from '../package/limits.js';
import { STUCK_AFTER_ENV, stuckAfterProblem } from '../protocol/stuck-wait.js';

/** The reference's memory sizes: one function each. */
export const DEFAULT_MEMORY_SIZES: readonly number[] = [1769, 3008, 7076, 10240];
/** Function timeout (Lambda's maximum), seconds. */
export const DEFAULT_FUNCTION_TIMEOUT_S = MAX_FUNCTION_TIMEOUT_S;
/** `/tmp` size, MB (room for a downloaded model). */
export const DEFAULT_EPHEMERAL_STORAGE_MB = 2048;
export const DEFAULT_RUNTIME = 'nodejs22.x';
/** Longest wait for one function to become active or updated, seconds. */
export const DEFAULT_WAIT_S = 300;
/** Key prefix of packages uploaded through S3. */
export const DEFAULT_BUCKET_PREFIX = 'obifaas/packages/';

/** Where the functions are. */
export interface FunctionLocation {
  prefix: string;
  region?: string;
  /** Lambda API endpoint (an emulator); default AWS's. */
  endpoint?: string;
}

export interface DeploySettings extends FunctionLocation {
  memorySizes: number[];
  arch: LambdaArch;
  /** IAM role the functions run as; required to create a function. */
  role?: string;
  /** Bucket for packages over the direct-upload limit (in the functions' region). */
  bucket?: string;
  bucketPrefix: string;
  /** S3 API endpoint for the upload (an emulator); default AWS's. */
  s3Endpoint?: string;
  subnets?: string[];
  securityGroups?: string[];
  timeoutS: number;
  ephemeralStorageMb: number;
  runtime: string;
  /**
   * How long a stopped invocation's model run may go on before its thread is stuck and the
   * function's environment ends (`protocol/stuck-wait.ts`); set in the functions' environment.
   */
  stuckAfterMs: number;
  environment: Record<string, string>;
  /** A package built before (`obifaas package`); default: build one now. */
  zipFile?: string;
  /** Platform packages for the package built now (`PackageOptions.platformPackages`). */
  platformPackages?: string;
  waitS: number;
  /** Test seam: smaller limits. */
  limits?: Partial<LambdaLimits>;
}

const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/;

/** Checks settings before anything is built or sent; throws `UserError` naming the flag. */
export function checkDeploySettings(s: DeploySettings): void {
  const problems: string[] = [];
  if (s.memorySizes.length === 0) problems.push('--memory: give at least one memory size');
  for (const m of s.memorySizes)
    if (!Number.isInteger(m) || m < MIN_MEMORY_MB || m > MAX_MEMORY_MB)
      problems.push(`--memory: ${m} is not an integer from ${MIN_MEMORY_MB} to ${MAX_MEMORY_MB} MB`);
  if (new Set(s.memorySizes).size !== s.memorySizes.length) problems.push('--memory: a size is given twice');
  if (!/^[A-Za-z0-9_-]{1,58}$/.test(s.prefix))
    problems.push(`--prefix: '${s.prefix}' must be 1-58 letters, digits, '-' or '_'`);
  if (s.role !== undefined && !ROLE_ARN.test(s.role))
    problems.push(`--role: '${s.role}' is not an IAM role ARN (arn:aws:iam::123456789012:role/NAME)`);
  if (Boolean(s.subnets?.length) !== Boolean(s.securityGroups?.length))
    problems.push('--vpc-subnets and --vpc-security-groups go together: give both or neither');
  if (!Number.isInteger(s.timeoutS) || s.timeoutS < 1 || s.timeoutS > MAX_FUNCTION_TIMEOUT_S)
    problems.push(
      `--timeout: ${s.timeoutS} is not a whole number of seconds from 1 to ${MAX_FUNCTION_TIMEOUT_S}`,
    );
  const storage = s.ephemeralStorageMb;
  if (!Number.isInteger(storage) || storage < MIN_EPHEMERAL_STORAGE_MB || storage > MAX_EPHEMERAL_STORAGE_MB)
    problems.push(
      `--ephemeral-storage: ${storage} is not an integer from ${MIN_EPHEMERAL_STORAGE_MB} to ${MAX_EPHEMERAL_STORAGE_MB} MB`,
    );
  const stuckAfter = stuckAfterProblem(s.stuckAfterMs);
  if (stuckAfter) problems.push(`--stuck-after: ${stuckAfter}`);
  else if (s.stuckAfterMs >= s.timeoutS * 1000)
    problems.push(
      `--stuck-after: ${s.stuckAfterMs / 1000}s is not shorter than the function timeout (${s.timeoutS}s): ` +
        "the next invocation's wait for a stopped run would reach its own timeout",
    );
  for (const key of Object.keys(s.environment)) {
    if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(key) || key.startsWith('AWS_'))
      problems.push(`--env: '${key}' is not a usable variable name (letters, digits, '_'; not AWS_*)`);
    if (key === STUCK_AFTER_ENV) problems.push(`--env: ${STUCK_AFTER_ENV} is set by --stuck-after`);
  }
  if (s.zipFile !== undefined && s.platformPackages !== undefined)
    problems.push('--platform-packages: applies to the package built now, not to a --zip package');
  if (problems.length > 0) throw new UserError(problems.join('; '));
}

/** `1769,3008` -> [1769, 3008]; throws `UserError` naming the flag. */
export function parseMemoryList(value: string, flag = '--memory'): number[] {
  const parts = value
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
  const sizes = parts.map(Number);
  const bad = parts.filter((p, i) => !/^\d+$/.test(p) || !Number.isInteger(sizes[i]));
  if (parts.length === 0 || bad.length > 0)
    throw new UserError(
      `${flag}: expected memory sizes in MB separated by commas (e.g. 1769,3008), got '${value}'`,
    );
  return sizes;
}

/** `a,b` -> ['a', 'b'] (empty items dropped). */
export function parseList(value: string): string[] {
  return value
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
}
