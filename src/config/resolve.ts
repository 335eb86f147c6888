/**
 * Job options from every source, in order of precedence: flags > config file > environment >
 * defaults (the defaults are applied by `compileJobSpec`); the preprocessing each declares is
 * kept apart, with its source (a model's own declaration comes below them all at job start). Reads files and the environment:
 * this is the edge; the merging itself is pure (`layers.ts`).
 */
import os from 'node:os';
import { SpecError, type Issue } from '../errors.js';
import { compileJobSpec } from '../spec/compile.js';
import type { CompileContext, ResolvedJobSpec } from '../spec/types.js';
import { loadConfigFile } from './file.js';
import { preprocessDeclarations } from './preprocess-declarations.js';
import { CONFIG_FILE_ENV } from './keys.js';
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
}

/** The layers of every source, lowest precedence first; {@link SpecError} for values that do not convert. */
async function gatherLayers(sources: OptionSources): Promise<Layer[]> {
  const env = sources.env ?? process.env;
  const issues: Issue[] = [];
  const layers: Layer[] = [];
  if (sources.base) layers.push({ source: 'defaults', values: sources.base });
  layers.push(layerFromEnv(env, issues));
  const configFile = sources.configFile ?? (env[CONFIG_FILE_ENV] || undefined);
  if (configFile) layers.push(await loadConfigFile(configFile, sources.cwd));
  if (sources.overrides) layers.push(sources.overrides);
  layers.push(layerFromFlags(sources.flags ?? {}, issues));
  if (issues.length > 0) throw new SpecError(issues);
  return layers;
}

/** Merges the layers; throws {@link SpecError} for flag/env values that cannot be converted. */
export async function gatherJobOptions(sources: OptionSources): Promise<MergedOptions> {
  return mergeLayers(await gatherLayers(sources));
}

/** Gathers options from every source and compiles them; issues say where each bad value came from. */
export async function resolveJobSpec(
  sources: OptionSources,
  context: Partial<CompileContext> = {},
): Promise<ResolvedJobSpec> {
  const layers = await gatherLayers(sources);
  const merged = mergeLayers(layers);
  const cwd = context.cwd ?? sources.cwd ?? process.cwd();
  const full: CompileContext = {
    cores: context.cores ?? os.availableParallelism(),
    now: context.now ?? new Date(),
    cwd,
    preprocess: await preprocessDeclarations(layers, cwd),
  };
  try {
    return compileJobSpec(merged.options, full);
  } catch (err) {
    if (err instanceof SpecError) throw new SpecError(annotateIssues(err.issues, merged.sources));
    throw err;
  }
}
