/**
 * How each job of a simulated day runs (pure): the settings it shares with `obifaas run` (mode,
 * workers, split size, retries, speculation, faults), with the same parsing, checks and
 * defaults, but the day's template defaults (a replay's too) for mode, workers and split size.
 */
import { annotateIssues, layerFromEnv, layerFromFlags, mergeLayers, type Layer } from '../config/layers.js';
import { CONFIG_KEYS, flagAttribute } from '../config/keys.js';
import type { FaultPolicy } from '../core/faults.js';
import { SpecError, type Issue } from '../errors.js';
import { DAY_JOB_DEFAULTS } from '../orchestrator/day-template.js';
import type { JobMode } from '../orchestrator/types.js';
import { compileMode, validateJobOptions } from '../spec/compile.js';
import { compileFaults } from '../spec/compile-dispatch.js';
import { DEFAULT_MAX_RETRIES } from '../spec/defaults.js';
import type { JobOptions } from '../spec/schema.js';
import type { DispatchSpec } from '../spec/types.js';
import { SIMULATE_JOB_PATHS } from './job-paths.js';

/** How each simulated job asks to run and what its dispatch does, as `run` resolves them. */
export interface SimulatedJobs {
  mode: JobMode;
  /** Workers each job asks for, and its split size. */
  workers: number;
  splitSize: number;
  dispatch: DispatchSpec;
  maxRetries: number;
  faults: FaultPolicy | undefined;
}

/** The job options a simulated day takes (those of {@link SIMULATE_JOB_PATHS}). */
export type SimulatedJobOptions = Pick<
  JobOptions,
  'mode' | 'workers' | 'splitSize' | 'maxRetries' | 'maxSplitRetries' | 'speculation' | 'faults'
>;

/**
 * The jobs' settings from layers of job options, lowest precedence first. Throws
 * {@link SpecError} naming every bad setting (and where it came from, when a layer says), with
 * the `issues` found while the layers were read.
 */
export function simulatedJobs(layers: readonly Layer[], issues: Issue[] = []): SimulatedJobs {
  const merged = mergeLayers(layers);
  issues.push(...validateJobOptions(merged.options));
  const options = merged.options as JobOptions;
  const dispatch = compileMode(options.mode ?? DAY_JOB_DEFAULTS.mode, options, issues);
  const faults = compileFaults(options, issues);
  if (issues.length > 0 || !dispatch)
    throw new SpecError(annotateIssues(issues, merged.sources), 'invalid simulation settings');
  return {
    mode: dispatch.type,
    workers: options.workers ?? DAY_JOB_DEFAULTS.workers,
    splitSize: options.splitSize ?? DAY_JOB_DEFAULTS.splitSize,
    dispatch,
    maxRetries: options.maxRetries ?? DEFAULT_MAX_RETRIES,
    faults,
  };
}

/** The jobs' settings of `obifaas simulate`: its flags over the environment, as `obifaas run` reads them. */
export function simulatedJobsFromFlags(
  flags: Record<string, unknown>,
  env: NodeJS.ProcessEnv,
): SimulatedJobs {
  const issues: Issue[] = [];
  const given: Record<string, unknown> = {};
  const environment: NodeJS.ProcessEnv = {};
  for (const key of CONFIG_KEYS) {
    if (!key.flag || !SIMULATE_JOB_PATHS.includes(key.path)) continue;
    const attribute = flagAttribute(key.flag);
    if (flags[attribute] !== undefined) given[attribute] = flags[attribute];
    if (key.env && env[key.env] !== undefined) environment[key.env] = env[key.env];
  }
  // Flags win over the environment, as for `obifaas run`.
  return simulatedJobs([layerFromEnv(environment, issues), layerFromFlags(given, issues)], issues);
}
