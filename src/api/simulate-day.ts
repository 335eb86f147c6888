/**
 * `simulateDay()`: what a day of jobs would take and cost on serverless functions, without
 * running any (`obifaas simulate` from code), for a trace file or jobs given in memory.
 */
import type { JobMode } from '../orchestrator/types.js';
import { loadProfile, parseProfile, type FunctionProfileInput } from '../simulate/profile.js';
import { simulatedJobs, type SimulatedJobOptions } from '../simulate/simulated-jobs.js';
import {
  resolveProfileFile,
  simulateDay as simulateDayTrace,
  type LoadedProfile,
  type SimulatedDay,
} from '../simulate/run.js';
import { writeDayReport } from '../trace/day-file.js';
import { readDayTrace } from '../trace/day-trace.js';
import { dayFlags, dayOptionIssues, type DayOptions } from './day.js';

/** What {@link simulateDay} simulates: the day, and how its jobs ask to run on what functions. */
export interface SimulateDayOptions extends DayOptions {
  /**
   * The function: a profile file, the name of a shipped one (`lambda-resnet50-3008`), or the
   * profile's JSON as a value (`memoryMb`, `splitSize`, `secondsPerSplit` or
   * `imagesPerSecondPerWorker`, `initSeconds`, `concurrencyLimit`, ...).
   */
  profile: string | FunctionProfileInput;
  /** How the jobs dispatch (default `static`, as a replay's jobs). */
  mode?: JobMode;
  /** Workers each job asks for (default 50); the policy decides what it gets. */
  workers?: number;
  /** Images per split (default 32). */
  splitSize?: number;
  /** Tries of a failed invocation after the first (default 1), as a job's. */
  maxRetries?: number;
  /** Dynamic: extra attempts per split, retries and speculative copies (default `maxRetries`), as a job's. */
  maxSplitRetries?: number;
  /** Dynamic: speculative copies of stragglers, as a job's (`{ enabled: true }`; default off). */
  speculation?: SimulatedJobOptions['speculation'];
  /** Faults each job injects into its functions (experiments), as a job's. */
  faults?: SimulatedJobOptions['faults'];
  /** Seed of the per-split variance (default 1): the same seed gives the same day. */
  seed?: number;
}

const JOB_OPTIONS = [
  'mode',
  'workers',
  'splitSize',
  'maxRetries',
  'maxSplitRetries',
  'speculation',
  'faults',
] as const satisfies ReadonlyArray<keyof SimulatedJobOptions>;

/** The job options given (each checked as a job spec checks it). */
function jobOptionsOf(options: SimulateDayOptions): Record<string, unknown> {
  const given: Record<string, unknown> = {};
  for (const key of JOB_OPTIONS) if (options[key] !== undefined) given[key] = options[key];
  return given;
}

async function loadedProfile(profile: SimulateDayOptions['profile']): Promise<LoadedProfile> {
  if (typeof profile !== 'string')
    return { file: null, profile: parseProfile(profile, profile.name ?? 'profile') };
  const file = await resolveProfileFile(profile, 'profile');
  return { file, profile: await loadProfile(file, 'profile') };
}

/** A simulated day: its report and the platform's statistics, where it was written, notes on skipped rows. */
export interface SimulateDayResult extends SimulatedDay {
  /** `<out>/day.json`; null when no `out` was given. */
  file: string | null;
  notes: string[];
}

/**
 * Simulates the day on a virtual clock through the orchestrator's own admission code, with
 * functions modelled by the profile; returns the day report (`day.json`'s object: per job its
 * queue wait, latency, workers and cost, and the totals), written to `<out>/day.json` when `out`
 * is given. Throws `SpecError` naming every bad option (the jobs' and the day's: `workers`,
 * `maxWorkers`, `policy.seconds`...), and `UserError` for a trace or profile that cannot be used.
 */
export async function simulateDay(options: SimulateDayOptions): Promise<SimulateDayResult> {
  // The jobs' options and the day's, every problem at once.
  const jobs = simulatedJobs([{ source: '', values: jobOptionsOf(options) }], dayOptionIssues(options));
  const profile = await loadedProfile(options.profile);
  const trace = await readDayTrace(options.trace, options.strict);
  const flags = { ...dayFlags(options), seed: options.seed ?? 1 };
  const { report, stats } = await simulateDayTrace(trace, profile, flags, jobs);
  const file = options.out !== undefined ? await writeDayReport(options.out, report) : null;
  return { report, stats, file, notes: trace.notes };
}
