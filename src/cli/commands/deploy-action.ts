/** What `obifaas deploy` does once its flags are parsed. */
import { accessEnvFromFlags } from '../function-access-flags.js';
import { UserError } from '../../errors.js';
import { deployFunctions, type DeployReport } from '../../deploy/deploy.js';
import {
  DEFAULT_BUCKET_PREFIX,
  DEFAULT_EPHEMERAL_STORAGE_MB,
  DEFAULT_FUNCTION_TIMEOUT_S,
  DEFAULT_MEMORY_SIZES,
  DEFAULT_RUNTIME,
  DEFAULT_WAIT_S,
  parseList,
  parseMemoryList,
  type DeploySettings,
} from '../../deploy/settings.js';
import { formatMb } from '../../package/limits.js';
import { DEFAULT_STUCK_AFTER_MS, parseStuckAfter } from '../../protocol/stuck-wait.js';
import { parseArchOption } from '../options.js';
import { runCommand } from '../runner.js';
import type { DeployFlags } from './deploy.js';
import { formatTable, readLambdaSection, resolveLocation } from './lambda-settings.js';

function text(section: Record<string, unknown>, key: string): string | undefined {
  const v = section[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new UserError(`config backend.deploy.${key}: expected a string`);
  return v;
}

function list(section: Record<string, unknown>, key: string): string[] | undefined {
  const v = section[key];
  if (v === undefined) return undefined;
  if (typeof v === 'string') return parseList(v);
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
  throw new UserError(`config backend.deploy.${key}: expected a list of strings`);
}

function int(section: Record<string, unknown>, key: string): number | undefined {
  const v = section[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v))
    throw new UserError(`config backend.deploy.${key}: expected an integer`);
  return v;
}

/** `backend.deploy.stuckAfter`: a duration in the stuck wait's bounds. */
function stuckAfter(section: Record<string, unknown>): number | undefined {
  const v = section.stuckAfter;
  if (v === undefined) return undefined;
  if (typeof v !== 'string' && typeof v !== 'number')
    throw new UserError('config backend.deploy.stuckAfter: expected a duration');
  const parsed = parseStuckAfter(String(v));
  if ('error' in parsed) throw new UserError(`config backend.deploy.stuckAfter: ${parsed.error}`);
  return parsed.ms;
}

function parseEnv(pairs: string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UserError(`--env: expected KEY=VALUE, got '${pair}'`);
    env[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return env;
}

export async function deploySettingsFromFlags(flags: DeployFlags): Promise<DeploySettings> {
  const section = await readLambdaSection(flags);
  const d = section.deploy ?? {};
  const memoryFromConfig = d.memorySizes;
  let memorySizes: number[];
  if (flags.memory !== undefined) memorySizes = parseMemoryList(flags.memory);
  else if (Array.isArray(memoryFromConfig)) memorySizes = memoryFromConfig.map(Number);
  else memorySizes = [...DEFAULT_MEMORY_SIZES];
  const configEnv = d.environment;
  if (
    configEnv !== undefined &&
    (typeof configEnv !== 'object' || configEnv === null || Array.isArray(configEnv))
  )
    throw new UserError('config backend.deploy.environment: expected a mapping of names to values');
  const role = flags.role ?? text(d, 'role');
  const bucket = flags.bucket ?? text(d, 'bucket');
  const s3Endpoint = flags.s3Endpoint ?? text(d, 's3Endpoint');
  const subnets = flags.vpcSubnets !== undefined ? parseList(flags.vpcSubnets) : list(d, 'subnets');
  const securityGroups =
    flags.vpcSecurityGroups !== undefined ? parseList(flags.vpcSecurityGroups) : list(d, 'securityGroups');
  return {
    ...resolveLocation(flags, section),
    memorySizes,
    arch: parseArchOption(flags.arch ?? text(d, 'arch') ?? 'x86_64'),
    ...(role ? { role } : {}),
    ...(bucket ? { bucket } : {}),
    bucketPrefix: text(d, 'bucketPrefix') ?? DEFAULT_BUCKET_PREFIX,
    ...(s3Endpoint ? { s3Endpoint } : {}),
    ...(subnets ? { subnets } : {}),
    ...(securityGroups ? { securityGroups } : {}),
    timeoutS: flags.timeout ?? int(d, 'timeout') ?? DEFAULT_FUNCTION_TIMEOUT_S,
    ephemeralStorageMb:
      flags.ephemeralStorage ?? int(d, 'ephemeralStorageMb') ?? DEFAULT_EPHEMERAL_STORAGE_MB,
    runtime: flags.runtime ?? text(d, 'runtime') ?? DEFAULT_RUNTIME,
    stuckAfterMs: flags.stuckAfter ?? stuckAfter(d) ?? DEFAULT_STUCK_AFTER_MS,
    environment: {
      ...((configEnv as Record<string, string> | undefined) ?? {}),
      ...parseEnv(flags.env ?? []),
      ...accessEnvFromFlags(flags),
    },
    ...(flags.zip ? { zipFile: flags.zip } : {}),
    ...(flags.platformPackages ? { platformPackages: flags.platformPackages } : {}),
    waitS: DEFAULT_WAIT_S,
  };
}

/** The deploy report as text: the package, then one row per function. */
export function formatDeployReport(report: DeployReport): string {
  const p = report.package;
  return [
    `package  ${formatMb(p.zipBytes)} zipped, ${formatMb(p.unzippedBytes)} unzipped, uploaded ${p.upload === 's3' ? `through ${p.s3Uri}` : 'directly'}`,
    '',
    formatTable(
      ['function', 'memory', 'action', 'state'],
      report.functions.map((f) => [f.function, `${f.memoryMb} MB`, f.action, f.state]),
    ),
  ].join('\n');
}

export async function runDeploy(flags: DeployFlags): Promise<void> {
  const settings = await deploySettingsFromFlags(flags);
  await runCommand({ json: flags.json === true, render: formatDeployReport }, async ({ notice }) => ({
    value: await deployFunctions(settings, { log: flags.json ? undefined : notice }),
  }));
}
