/**
 * The one registrar of job-setting flags: any command registers the config keys it takes (all
 * of them, or a chosen subset) with the flags, value names, defaults and environment variables
 * of the key table, and reads them back the same way. Values stay strings here (the config
 * layers convert them, and report every bad one at once, naming the flag), except booleans: a
 * boolean flag alone means true, and takes `true|false` (also `1|0`, `yes|no`, `on|off`) as its
 * value, like its environment variable, checked as it is parsed.
 */
import { Option, type Command } from 'commander';
import { CONFIG_FILE_ENV, CONFIG_KEYS, flagAttribute, type ConfigKey } from '../config/keys.js';
import { convertValue, layerFromFlags, type Layer } from '../config/layers.js';
import { SpecError, UserError, type Issue } from '../errors.js';
import type { ResolvedJobSpec } from '../spec/types.js';
import type { OptionSources } from '../config/resolve.js';

/** Which config keys a command takes, and how its help words them. */
export interface ConfigFlagSelection {
  /** Dotted paths of the keys to take (default: every key with a flag). */
  only?: readonly string[];
  /** Dotted paths to leave out. */
  except?: readonly string[];
  /** The default shown for a path, where this command's default differs from `run`'s. */
  defaults?: Readonly<Record<string, string>>;
  /** The description of a path, where it means something more precise for this command. */
  descriptions?: Readonly<Record<string, string>>;
}

/** A command's job-setting flags: the keys, and how to show them. */
export interface ConfigFlags {
  readonly keys: readonly ConfigKey[];
  readonly selection: ConfigFlagSelection;
}

/** The keys with a flag that `selection` takes, in the order of the key table. */
export function configFlags(selection: ConfigFlagSelection = {}): ConfigFlags {
  const known = new Set(CONFIG_KEYS.filter((k) => k.flag).map((k) => k.path));
  for (const p of [...(selection.only ?? []), ...(selection.except ?? [])])
    if (!known.has(p)) throw new RangeError(`no config key with a flag at '${p}'`);
  const keys = CONFIG_KEYS.filter(
    (k) =>
      k.flag !== undefined &&
      (selection.only === undefined || selection.only.includes(k.path)) &&
      !(selection.except ?? []).includes(k.path),
  );
  return { keys, selection };
}

/** Every job setting flag, as `obifaas run` takes them. */
export const ALL_CONFIG_FLAGS: ConfigFlags = configFlags();

/** The flag of `key` as commander declares it: `--workers <n>`, or `--speculation [bool]`. */
export function flagSyntax(key: ConfigKey): string {
  const value = key.valueName.toLowerCase();
  return key.kind === 'boolean' ? `${key.flag} [${value}]` : `${key.flag} <${value}>`;
}

/** The help of one flag: its meaning, then `(default: X; env OBIFAAS_Y)`. */
export function flagHelp(key: ConfigKey, selection: ConfigFlagSelection = {}): string {
  const shown = selection.defaults?.[key.path] ?? key.defaultText;
  // A required value has no default: `(required)`, `(required for http)`.
  const fallback = /^required\b/.test(shown) ? shown : `default: ${shown}`;
  const env = key.env ? `; env ${key.env}` : '';
  return `${selection.descriptions?.[key.path] ?? key.description} (${fallback}${env})`;
}

/**
 * A boolean flag's value, checked as it is parsed: a word that is not a boolean is most likely
 * an argument the flag took, so the message says how to keep them apart.
 */
function booleanValue(key: ConfigKey): (raw: string) => unknown {
  return (raw) => {
    const converted = convertValue(key, raw);
    if ('error' in converted)
      throw new UserError(
        `${key.flag}: ${converted.error} (the flag alone means true; write ${key.flag}=true before an argument)`,
      );
    return converted.value;
  };
}

/** The commander option of one key. */
function flagOption(key: ConfigKey, selection: ConfigFlagSelection): Option {
  const option = new Option(flagSyntax(key), flagHelp(key, selection));
  return key.kind === 'boolean' ? option.argParser(booleanValue(key)) : option;
}

/** Registers the flags of `flags` on `command`, then `--config <file>` (unless `configFile` is false). */
export function addConfigFlags(
  command: Command,
  flags: ConfigFlags = ALL_CONFIG_FLAGS,
  { configFile = true }: { configFile?: boolean } = {},
): Command {
  for (const key of flags.keys) command.addOption(flagOption(key, flags.selection));
  if (!configFile) return command;
  return command.option(
    '--config <file>',
    `YAML or JSON config file of job settings (env ${CONFIG_FILE_ENV})`,
  );
}

/** The values commander parsed for the flags of `flags` (attribute names), leaving out the unset ones. */
export function pickConfigFlags(
  parsed: Record<string, unknown>,
  flags: ConfigFlags = ALL_CONFIG_FLAGS,
): Record<string, unknown> {
  const picked: Record<string, unknown> = {};
  for (const key of flags.keys) {
    const attribute = flagAttribute(key.flag!);
    if (parsed[attribute] !== undefined) picked[attribute] = parsed[attribute];
  }
  return picked;
}

/**
 * The job options the flags of `flags` set, nested and converted (`{speculation: {enabled:
 * true}}`), for a command that uses a few job settings without a whole job spec. A
 * {@link SpecError} names every flag whose value does not convert.
 */
export function configFlagOptions(
  parsed: Record<string, unknown>,
  flags: ConfigFlags = ALL_CONFIG_FLAGS,
): Record<string, unknown> {
  const issues: Issue[] = [];
  const layer = layerFromFlags(pickConfigFlags(parsed, flags), issues);
  if (issues.length > 0) throw new SpecError(issues);
  return layer.values;
}

/**
 * The job spec that the flags of `flags` describe, with `--config` and the environment
 * (flags > `overrides` > config file > environment > `base` > defaults). Other flags of the
 * command never leak in.
 */
export async function resolveJobFlags(
  parsed: Record<string, unknown>,
  flags: ConfigFlags = ALL_CONFIG_FLAGS,
  layers: { base?: Record<string, unknown>; overrides?: Layer } & Pick<OptionSources, 'checkLocations'> = {},
): Promise<ResolvedJobSpec> {
  const configFile = typeof parsed.config === 'string' ? parsed.config : undefined;
  const { resolveJobSpec } = await import('../config/resolve.js'); // kept out of `--help`
  return resolveJobSpec({
    flags: pickConfigFlags(parsed, flags),
    ...(layers.base ? { base: layers.base } : {}),
    ...(layers.overrides ? { overrides: layers.overrides } : {}),
    ...(layers.checkLocations ? { checkLocations: layers.checkLocations } : {}),
    ...(configFile ? { configFile } : {}),
  });
}
