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
import type { JobMode } from '../orchestrator/types.js';
import { writeDayReport } from '../trace/day-file.js';
import { buildDayReport, type DayReport } from '../trace/day-report.js';
import { buildSchedule } from '../trace/schedule.js';
import { malformedSummary, readTraceCsv } from '../trace/trace-csv.js';
import { policyFromFlags } from '../orchestrator/policy-flags.js';
import { loadProfile } from './profile.js';
import { simulate, type SimJobRequest, type SimulationStats } from './simulator.js';

/** Flags of `obifaas simulate`, as commander parses them. */
export interface SimulateFlags {
  profile: string;
  maxWorkers?: number;
  maxJobs?: number;
  policy: string;
  mode: string;
  workers: number;
  splitSize?: number;
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

/** A profile path, or the name of a shipped profile (`lambda-resnet50-3008`). */
export async function resolveProfileFile(value: string): Promise<string> {
  if (await isFile(value)) return value;
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
    `--profile: no such file '${value}'` +
      (names.length > 0 ? ` (shipped profiles: ${names.join(', ')})` : ''),
  );
}

function parseMode(value: string): JobMode {
  if (value !== 'static' && value !== 'dynamic')
    throw new UserError(`--mode: expected static or dynamic, got '${value}'`);
  return value;
}

/** Simulates the trace; returns the report (also written to `<out>/day.json`) and where it was written. */
export async function simulateTrace(
  traceFile: string,
  flags: SimulateFlags,
  now: () => Date = () => new Date(),
): Promise<{ report: DayReport; file: string; stats: SimulationStats; notes: string[] }> {
  const mode = parseMode(flags.mode);
  const caps = resolveCaps({ maxWorkers: flags.maxWorkers, maxJobs: flags.maxJobs });
  const profileFile = await resolveProfileFile(flags.profile);
  const profile = await loadProfile(profileFile);
  const policy = await policyFromFlags(flags, {
    pricePerSecondUsd: pricePerSecondUsd(profile.prices, profile.memoryMb),
    maxWorkers: caps.maxWorkers,
  });
  const trace = await readTraceCsv(traceFile, { strict: flags.strict ?? false });
  const schedule = buildSchedule(trace.rows, { speed: flags.speed, maxWaitSeconds: flags.maxWait / 1000 });
  const splitSize = flags.splitSize ?? profile.splitSize;
  const requests = schedule.map((s): SimJobRequest => ({
    id: s.id,
    mode,
    inputs: s.row.images,
    workers: flags.workers,
    splitSize,
    batchSize: profile.splitSize,
    arrivalMs: s.arrivalMs,
    line: s.row.line,
    datasetId: s.row.datasetId,
    traceOffsetSeconds: s.traceOffsetSeconds,
  }));
  const { jobs, stats } = simulate(requests, {
    profile,
    caps,
    policy,
    minGrantFraction: flags.minGrantFraction,
    maxHeadWaitMs: flags.maxHeadWait,
    seed: flags.seed,
  });
  const { prices, ...profileRest } = profile;
  const report = buildDayReport(jobs, {
    source: 'simulate',
    createdAt: now().toISOString(),
    traceFile,
    malformedRows: trace.malformed.length,
    settings: {
      ...caps,
      policy: flags.policy,
      ...(flags.cprPerMillion !== undefined ? { cprPerMillionUsd: flags.cprPerMillion } : {}),
      ...(flags.deadline !== undefined ? { deadlineSeconds: flags.deadline / 1000 } : {}),
      mode,
      requestedWorkers: flags.workers,
      splitSize,
      speed: flags.speed,
      maxWaitSeconds: Number.isFinite(flags.maxWait) ? flags.maxWait / 1000 : null,
      minGrantFraction: flags.minGrantFraction,
      maxHeadWaitSeconds: Number.isFinite(flags.maxHeadWait) ? flags.maxHeadWait / 1000 : null,
      seed: flags.seed,
      profile: { file: profileFile, ...profileRest, prices: prices.name },
    },
    details: { simulation: stats },
  });
  const out = flags.out ?? `simulate-${path.basename(traceFile, path.extname(traceFile))}`;
  const file = await writeDayReport(out, report);
  const notes: string[] = [];
  const skipped = malformedSummary(trace);
  if (skipped) notes.push(skipped);
  return { report, file, stats, notes };
}
