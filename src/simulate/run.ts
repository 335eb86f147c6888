/**
 * The work of `obifaas simulate`: read a trace and a profile, schedule the trace as a replay
 * would, simulate it under the caps and policy, write `day.json`, and return the day report.
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pricePerSecondUsd } from '../core/pricing.js';
import { UserError } from '../errors.js';
import { resolveCaps } from '../orchestrator/provisioner.js';
import { checkSimulationFolder, writeDayReport } from '../trace/day-file.js';
import { buildDayReport, type DayReport } from '../trace/day-report.js';
import { buildSchedule } from '../trace/schedule.js';
import { malformedSummary, readTraceCsv } from '../trace/trace-csv.js';
import type { DayTrace } from '../trace/day-trace.js';
import { policyFromFlags } from '../orchestrator/policy-flags.js';
import { loadProfile, type FunctionProfile } from './profile.js';
import { simulatedJobsFromFlags, type SimulatedJobs } from './simulated-jobs.js';
import { simulate, type SimJobRequest, type SimulationStats } from './simulator.js';
import { kindOf } from '../util/regular-file.js';

/** How to simulate a day: the flags of `obifaas simulate` about the day (caps, policy, schedule, seed). */
export interface DaySimulationSettings {
  maxWorkers?: number;
  maxJobs?: number;
  policy: string;
  speed: number;
  /** Milliseconds; Infinity keeps every gap. */
  maxWait: number;
  minGrantFraction: number;
  /** Milliseconds. */
  maxHeadWait: number;
  cprPerMillion?: number;
  /** Milliseconds. */
  deadline?: number;
  cprModel?: string;
  seed: number;
}

/**
 * Flags of `obifaas simulate`, as commander parses them. Besides those about the day, it takes
 * the flags of `obifaas run` for how jobs run, their retries, speculation and fault injection
 * (`simulate/job-paths.ts`), as strings, parsed as `run` parses them ({@link simulatedJobsFromFlags}).
 */
export interface SimulateFlags extends DaySimulationSettings, Record<string, unknown> {
  profile: string;
  /** Default: the day's (`DAY_JOB_DEFAULTS`, a replay's too); as strings or numbers. */
  mode?: string;
  workers?: string | number;
  splitSize?: string | number;
  strict?: boolean;
  out?: string;
  json?: boolean;
}

/** Profiles shipped with the package (`profiles/`). */
export const SHIPPED_PROFILES_DIR = fileURLToPath(new URL('../../profiles/', import.meta.url));

async function isFile(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}

/**
 * A profile path, or the name of a shipped profile (`lambda-resnet50-3008`). Something at the
 * path that is not a regular file (a FIFO, a folder) is refused, saying what it is.
 */
export async function resolveProfileFile(value: string, field = '--profile'): Promise<string> {
  const found = await stat(value).catch(() => undefined);
  if (found?.isFile()) return value;
  if (found) throw new UserError(`${field}: cannot read '${value}': it is ${kindOf(found)}`);
  const shipped = path.join(SHIPPED_PROFILES_DIR, `${value}.json`);
  if (!value.includes('/') && !value.includes(path.sep) && (await isFile(shipped))) return shipped;
  let names: string[] = [];
  try {
    names = (await readdir(SHIPPED_PROFILES_DIR))
      .filter((f) => f.endsWith('.json'))
      .map((f) => f.slice(0, -5));
  } catch {
    // no shipped profiles folder: say so below
  }
  throw new UserError(
    `${field}: no such file '${value}'` +
      (names.length > 0 ? ` (shipped profiles: ${names.join(', ')})` : ''),
  );
}

/** A checked function profile, and the file it was read from (null for one given as a value). */
export interface LoadedProfile {
  file: string | null;
  profile: FunctionProfile;
}

/** A simulated day: its report and what the simulated platform saw. */
export interface SimulatedDay {
  report: DayReport;
  stats: SimulationStats;
}

/**
 * Simulates a day's jobs, each run as `jobs` says, under the caps and policy (pure but for
 * reading a `--cpr-model` file); writes nothing.
 */
export async function simulateDay(
  trace: DayTrace,
  { file: profileFile, profile }: LoadedProfile,
  flags: DaySimulationSettings,
  jobs: SimulatedJobs,
  now: () => Date = () => new Date(),
): Promise<SimulatedDay> {
  const { mode, workers, splitSize, dispatch } = jobs;
  const caps = resolveCaps({ maxWorkers: flags.maxWorkers, maxJobs: flags.maxJobs });
  const policy = await policyFromFlags(flags, {
    pricePerSecondUsd: pricePerSecondUsd(profile.prices, profile.memoryMb),
    maxWorkers: caps.maxWorkers,
  });
  const schedule = buildSchedule(trace.rows, { speed: flags.speed, maxWaitSeconds: flags.maxWait / 1000 });
  const requests = schedule.map((s): SimJobRequest => ({
    id: s.id,
    mode,
    inputs: s.row.images,
    workers,
    splitSize,
    batchSize: profile.splitSize,
    arrivalMs: s.arrivalMs,
    line: s.row.line,
    datasetId: s.row.datasetId,
    traceOffsetSeconds: s.traceOffsetSeconds,
  }));
  const simulated = simulate(requests, {
    profile,
    caps,
    policy,
    minGrantFraction: flags.minGrantFraction,
    maxHeadWaitMs: flags.maxHeadWait,
    seed: flags.seed,
    dispatch: { [mode]: dispatch },
    maxRetries: jobs.maxRetries,
    ...(jobs.faults ? { faults: jobs.faults } : {}),
  });
  const { stats } = simulated;
  const { prices, ...profileRest } = profile;
  const report = buildDayReport(simulated.jobs, {
    source: 'simulate',
    createdAt: now().toISOString(),
    traceFile: trace.file,
    malformedRows: trace.malformedRows,
    settings: {
      ...caps,
      policy: flags.policy,
      ...(flags.cprPerMillion !== undefined ? { cprPerMillionUsd: flags.cprPerMillion } : {}),
      ...(flags.deadline !== undefined ? { deadlineSeconds: flags.deadline / 1000 } : {}),
      mode,
      requestedWorkers: workers,
      splitSize,
      maxRetries: jobs.maxRetries,
      ...(dispatch.type === 'dynamic'
        ? { maxSplitRetries: dispatch.maxSplitRetries, speculation: dispatch.speculation }
        : {}),
      faults: jobs.faults ?? null,
      speed: flags.speed,
      maxWaitSeconds: Number.isFinite(flags.maxWait) ? flags.maxWait / 1000 : null,
      minGrantFraction: flags.minGrantFraction,
      maxHeadWaitSeconds: Number.isFinite(flags.maxHeadWait) ? flags.maxHeadWait / 1000 : null,
      seed: flags.seed,
      profile: { file: profileFile, ...profileRest, prices: prices.name },
    },
    details: { simulation: stats },
  });
  return { report, stats };
}

/** Simulates the trace; returns the report (also written to `<out>/day.json`) and where it was written. */
export async function simulateTrace(
  traceFile: string,
  flags: SimulateFlags,
  now: () => Date = () => new Date(),
): Promise<{ report: DayReport; file: string; stats: SimulationStats; notes: string[] }> {
  // Bad job flags are named before any file is read.
  const jobs = simulatedJobsFromFlags(flags, process.env);
  const profileFile = await resolveProfileFile(flags.profile);
  const profile = await loadProfile(profileFile);
  const trace = await readTraceCsv(traceFile, { strict: flags.strict ?? false });
  const out = flags.out ?? `simulate-${path.basename(traceFile, path.extname(traceFile))}`;
  await checkSimulationFolder(out);
  const { report, stats } = await simulateDay(
    { rows: trace.rows, file: traceFile, malformedRows: trace.malformed.length },
    { file: profileFile, profile },
    flags,
    jobs,
    now,
  );
  const file = await writeDayReport(out, report);
  const notes: string[] = [];
  const skipped = malformedSummary(trace);
  if (skipped) notes.push(skipped);
  return { report, file, stats, notes };
}
