/**
 * Job options from every source, in order of precedence: flags > config file > environment >
 * defaults (the defaults are applied by `compileJobSpec`); the preprocessing each declares is
 * kept apart, with its source (a model's own declaration comes below them all at job start). Reads files and the environment:
 * this is the edge; the merging itself is pure (`layers.ts`).
 */
import os from 'node:os';
import { SpecError, type Issue } from '../errors.js';
import { compileJobSpec } from '../spec/compile.js';
import { checkableLocations, type JobLocations } from '../spec/job-locations.js';
import type { CompileContext, ResolvedJobSpec } from '../spec/types.js';
import { configIssues, readConfigFile, type CheckedConfig } from './file.js';
import { preprocessDeclarations } from './preprocess-declarations.js';
import { stagingRoot } from '../util/paths.js';
import { CONFIG_FILE_ENV, CONFIG_KEYS } from './keys.js';
import {
  annotateIssues,
  layerFromEnv,
  layerFromFlags,
  mergeLayers,
  type Layer,
  type MergedOptions,
  type Options,
} from './layers.js';

export interface OptionSources {
  /** Commander's parsed flags of `obifaas run` (attribute names). */
  flags?: Record<string, unknown>;
  /** Config file path (`--config`); falls back to `$OBIFAAS_CONFIG`. */
  configFile?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Options a command sets below the flags (e.g. the demo's dataset and model). */
  base?: Options;
  /** A file of settings named on the command line (`--worker-config`): above the config file, below the flags. */
  overrides?: Layer;
  /**
   * With settings that do not compile, the problems of the local places they name (inputs,
   * model, labels, output folder), reported with theirs (`obifaas run` checks them).
   */
  checkLocations?: (locations: JobLocations) => Promise<Issue[]>;
}

/** The merged options, and every problem found on the way (none thrown yet). */
interface GatheredOptions {
  merged: MergedOptions;
  /** The layers of every source, lowest precedence first. */
  layers: Layer[];
  /** Flag and environment values that do not convert, naming the flag or the variable. */
  issues: Issue[];
  /** The config file's name and the problems of its values. */
  configFile?: { name: string } & CheckedConfig;
}

async function collectJobOptions(sources: OptionSources): Promise<GatheredOptions> {
  const env = sources.env ?? process.env;
  const issues: Issue[] = [];
  const layers: Layer[] = [];
  if (sources.base) layers.push({ source: 'defaults', values: sources.base });
  layers.push(layerFromEnv(env, issues));
  const name = sources.configFile ?? (env[CONFIG_FILE_ENV] || undefined);
  const givenBy = sources.configFile === undefined ? CONFIG_FILE_ENV : '--config';
  const checked = name ? await readConfigFile(name, sources.cwd, givenBy) : undefined;
  if (checked) layers.push(checked.layer);
  if (sources.overrides) layers.push(sources.overrides);
  layers.push(layerFromFlags(sources.flags ?? {}, issues));
  return {
    merged: mergeLayers(layers),
    layers,
    issues,
    ...(name && checked ? { configFile: { name, ...checked } } : {}),
  };
}

/**
 * Every problem found, in one {@link SpecError}: the config file's alone keep its name in the
 * heading; with others, each of its issues names the file.
 */
function gatheredError(gathered: GatheredOptions, others: readonly Issue[]): SpecError | null {
  const file = gathered.configFile;
  if (file && file.problems.length > 0 && others.length === 0)
    return new SpecError(configIssues(file), `invalid config file ${file.name}`);
  const all = [...(file ? configIssues(file, file.name) : []), ...others];
  return all.length > 0 ? new SpecError(all) : null;
}

/**
 * The rules' issues, each saying where its value came from: a value of the config file with the
 * file and its line, as the file's own problems (`backend.memoryMb (job.yaml, line 5)`), any
 * other as `(from --memory)`.
 */
function locateRuleIssues(issues: readonly Issue[], gathered: GatheredOptions): Issue[] {
  const file = gathered.configFile;
  const { sources } = gathered.merged;
  return issues.map((issue) => {
    if (!sources.has(issue.path)) return howToGive(issue);
    if (!file || sources.get(issue.path) !== file.name) return annotateIssues([issue], sources)[0]!;
    const line = file.lineOf?.(issue.path);
    return configIssues(
      { ...file, problems: [line === undefined ? { issue } : { issue, line }] },
      file.name,
    )[0]!;
  });
}

/**
 * A required setting that no source gave (`inputs: missing`), with the ways to give it: its
 * flag, its variable and its config key. Other issues, and those that name the flag already, as
 * they are.
 */
function howToGive(issue: Issue): Issue {
  const key = CONFIG_KEYS.find((k) => k.path === issue.path);
  if (!key?.flag || !issue.message.startsWith('missing') || issue.message.includes(key.flag)) return issue;
  const ways = [`${key.flag} ${key.valueName}`.trim(), ...(key.env ? [key.env] : [])];
  return {
    ...issue,
    message: `${issue.message}; give ${ways.join(', ')} or '${key.path}:' in a config file`,
  };
}

/** Merges the layers; throws {@link SpecError} for flag/env values that cannot be converted. */
export async function gatherJobOptions(sources: OptionSources): Promise<MergedOptions> {
  const gathered = await collectJobOptions(sources);
  const error = gatheredError(gathered, gathered.issues);
  if (error) throw error;
  return gathered.merged;
}

/**
 * Gathers options from every source and compiles them. Every problem is reported at once:
 * values that do not convert, the config file's, the job spec's rules over the merged options,
 * and (with `checkLocations`) the problems of the local places the settings name; each says
 * where the bad value came from.
 */
export async function resolveJobSpec(
  sources: OptionSources,
  context: Partial<CompileContext> = {},
): Promise<ResolvedJobSpec> {
  const gathered = await collectJobOptions(sources);
  const { merged } = gathered;
  const env = sources.env ?? process.env;
  const cwd = context.cwd ?? sources.cwd ?? process.cwd();
  const full: CompileContext = {
    cores: context.cores ?? os.availableParallelism(),
    now: context.now ?? new Date(),
    cwd,
    stagingRoot: context.stagingRoot ?? stagingRoot(env),
    preprocess: await preprocessDeclarations(gathered.layers, cwd),
    sources: merged.sources,
  };
  let spec: ResolvedJobSpec | undefined;
  let ruleIssues: Issue[] = [];
  try {
    spec = compileJobSpec(merged.options, full);
  } catch (err) {
    if (!(err instanceof SpecError)) throw err;
    // A value of the config file that the file's own check reported already is not told twice.
    const file = gathered.configFile;
    const told = new Set(file?.problems.map((p) => p.issue.path));
    ruleIssues = err.issues.filter((i) => !(told.has(i.path) && merged.sources.get(i.path) === file?.name));
  }
  const others = [...gathered.issues, ...locateRuleIssues(ruleIssues, gathered)];
  if (!gatheredError(gathered, others)) return spec as ResolvedJobSpec;
  // A place whose own setting is wrong is not checked (the config file's problems count too).
  const settingIssues = [...(gathered.configFile?.problems.map((p) => p.issue) ?? []), ...ruleIssues];
  const locations = checkableLocations(merged.options, settingIssues, cwd);
  const placeIssues = sources.checkLocations ? await sources.checkLocations(locations) : [];
  throw gatheredError(gathered, [...others, ...placeIssues]) as SpecError;
}
