/**
 * Settings of the Lambda commands (deploy, ping, undeploy): flags (named as `run` names the
 * same settings: `--function-prefix`, `--region`, `--memory` in MB), then the config file's
 * `backend` section when its type is `lambda` (`region`, `endpoint`, `functionPrefix`, and
 * `deploy: {role, bucket, memorySizes, arch, ...}`), then defaults. Credentials are never
 * settings: the SDK's default chain finds them.
 */
import type { Command } from 'commander';
import { LAMBDA_DEFAULTS } from '../../backends/defaults.js';
import { CONFIG_FILE_ENV } from '../../config/keys.js';
import { UserError } from '../../errors.js';
import { regionNameProblem } from '../../protocol/function-access.js';
import type { FunctionLocation } from '../../deploy/settings.js';
import { textTable } from '../../util/text-layout.js';

/** Flags every Lambda command takes. */
export interface LocationFlags {
  functionPrefix?: string;
  region?: string;
  endpoint?: string;
  config?: string;
  json?: boolean;
}

/** Flags of the commands that work on deployed functions (ping, undeploy). */
export interface MemoryChoiceFlags extends LocationFlags {
  memory?: string;
}

/** `--memory`: which deployed functions a command is to `verb` (default: every deployed one). */
export function addMemoryChoice(command: Command, verb: string): Command {
  return command.option(
    '--memory <mb,...>',
    `function memory in MB of the functions to ${verb}, comma-separated (default: every deployed one)`,
  );
}

/** The `backend` section of a config file, when it is a Lambda backend. */
export interface LambdaConfigSection {
  region?: string;
  endpoint?: string;
  functionPrefix?: string;
  deploy?: Record<string, unknown>;
}

export function addLocationOptions(command: Command): Command {
  return command
    .option(
      '--function-prefix <prefix>',
      `functions are PREFIX-MEMORY (default: the config file, else ${LAMBDA_DEFAULTS.functionPrefix})`,
    )
    .option('--region <region>', 'AWS region (default: the config file, then AWS_REGION / the profile)')
    .option('--endpoint <url>', 'another endpoint speaking the Lambda API (an emulator)')
    .option(
      '--config <file>',
      `config file whose backend section (type: lambda) gives defaults (env ${CONFIG_FILE_ENV})`,
    )
    .option('--json', 'print the result as JSON');
}

/** The config file's Lambda section (empty without a file or for another backend type). */
export async function readLambdaSection(flags: LocationFlags): Promise<LambdaConfigSection> {
  const file = flags.config ?? (process.env[CONFIG_FILE_ENV] || undefined);
  if (!file) return {};
  const { loadConfigFile } = await import('../../config/file.js');
  const layer = await loadConfigFile(
    file,
    process.cwd(),
    flags.config === undefined ? CONFIG_FILE_ENV : '--config',
  );
  const backend = layer.values.backend as Record<string, unknown> | undefined;
  if (!backend || backend.type !== 'lambda') return {};
  const section: LambdaConfigSection = {};
  for (const key of ['region', 'endpoint', 'functionPrefix'] as const) {
    const v = backend[key];
    if (v === undefined) continue;
    if (typeof v !== 'string') throw new UserError(`${file}: backend.${key} must be a string`);
    const problem = key === 'region' ? regionNameProblem(v) : undefined;
    if (problem) throw new UserError(`${file}: backend.region: ${problem}`);
    section[key] = v;
  }
  if (backend.deploy !== undefined) {
    if (typeof backend.deploy !== 'object' || backend.deploy === null || Array.isArray(backend.deploy))
      throw new UserError(`${file}: backend.deploy must be a mapping`);
    section.deploy = backend.deploy as Record<string, unknown>;
  }
  return section;
}

/** Where the functions are: the flags, then the config file's section, then the default prefix. */
export function resolveLocation(flags: LocationFlags, section: LambdaConfigSection): FunctionLocation {
  const problem = flags.region === undefined ? undefined : regionNameProblem(flags.region);
  if (problem) throw new UserError(`--region: ${problem}`);
  const region = flags.region ?? section.region;
  const endpoint = flags.endpoint ?? section.endpoint;
  return {
    prefix: flags.functionPrefix ?? section.functionPrefix ?? LAMBDA_DEFAULTS.functionPrefix,
    ...(region ? { region } : {}),
    ...(endpoint ? { endpoint } : {}),
  };
}

/** Rows under `header` as an aligned table, every column left-aligned (`util/text-layout.ts`). */
export function formatTable(header: string[], rows: string[][]): string {
  return textTable(
    header.map((h) => ({ header: h, align: 'left' as const })),
    rows,
  ).join('\n');
}
