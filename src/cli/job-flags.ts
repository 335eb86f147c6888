/**
 * Job settings flags for commands that run jobs of their own (`cpr sample`, `optimize`): a
 * chosen subset of the config keys of `obifaas run`, with the same flags, environment variables
 * and `--config` file, so that these jobs run where and how `run` would.
 */
import type { Command } from 'commander';
import { CONFIG_FILE_ENV, CONFIG_KEYS, flagAttribute } from '../config/keys.js';
import type { ResolvedJobSpec } from '../spec/types.js';

/** Config keys (dotted paths) every job-running command accepts. */
export const JOB_SETTING_PATHS: readonly string[] = [
  'inputs',
  'model',
  'labels',
  'mode',
  'speculation.enabled',
  'backend.type',
  'backend.maxConcurrency',
  'backend.memoryMb',
  'backend.timeout',
  'pipeline.predict.batchSize',
  'pipeline.predict.intraOpThreads',
];

/**
 * Registers the flags of `paths` (and `--config`) on `command`, as `obifaas run` words them;
 * `defaults` replaces the default shown for a path where the command's own differs.
 */
export function addJobFlags(
  command: Command,
  paths: readonly string[] = JOB_SETTING_PATHS,
  defaults: Record<string, string> = {},
): Command {
  for (const key of CONFIG_KEYS) {
    if (!key.flag || !paths.includes(key.path)) continue;
    const env = key.env ? `; env ${key.env}` : '';
    const shown = defaults[key.path] ?? key.defaultText;
    const fallback = shown === 'required' ? 'required' : `default: ${shown}`;
    const value = key.valueName.toLowerCase();
    const syntax = (key.kind as string) === 'boolean' ? `${key.flag} [${value}]` : `${key.flag} <${value}>`;
    command.option(syntax, `${key.description} (${fallback}${env})`);
  }
  return command.option(
    '--config <file>',
    `YAML or JSON config file of job settings (env ${CONFIG_FILE_ENV})`,
  );
}

/**
 * The job spec these flags describe (flags > config file > environment > `base` > defaults).
 * Only the flags of `paths` are read from `flags`, so a command's own flags never leak in.
 */
export async function resolveJobFlags(
  flags: Record<string, unknown>,
  base: Record<string, unknown>,
  paths: readonly string[] = JOB_SETTING_PATHS,
): Promise<ResolvedJobSpec> {
  const jobFlags: Record<string, unknown> = {};
  for (const key of CONFIG_KEYS) {
    if (!key.flag || !paths.includes(key.path)) continue;
    const attribute = flagAttribute(key.flag);
    if (flags[attribute] !== undefined) jobFlags[attribute] = flags[attribute];
  }
  const configFile = typeof flags.config === 'string' ? flags.config : undefined;
  const { resolveJobSpec } = await import('../config/resolve.js'); // kept out of `--help`
  return resolveJobSpec({ flags: jobFlags, base, ...(configFile ? { configFile } : {}) });
}
