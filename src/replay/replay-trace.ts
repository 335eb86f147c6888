/**
 * The work of `obifaas replay`: check everything a replay needs before any job starts (the
 * trace, the job settings, the dataset, the model, the day folder), then replay the trace with
 * real job managers, reporting progress as it goes. Its signal stops it cleanly: running jobs
 * are cancelled and every input of theirs still gets a line; `day.json` is written either way.
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { resolveJobSpec } from '../config/resolve.js';
import { pricePerSecondUsd } from '../core/pricing.js';
import { UserError } from '../errors.js';
import { resolveJobSources } from '../manager/job-sources.js';
import { resolveCaps } from '../orchestrator/provisioner.js';
import { timestampForName } from '../spec/compile.js';
import type { ResolvedJobSpec } from '../spec/types.js';
import type { DayReport } from '../trace/day-report.js';
import { policyFromFlags, type PolicyFlags } from '../orchestrator/policy-flags.js';
import { replayWithJobManagers, type ReplayProgress } from './run-replay.js';
import { buildSchedule } from '../trace/schedule.js';
import { malformedSummary, readTraceCsv } from '../trace/trace-csv.js';
import type { DayTrace } from '../trace/day-trace.js';
import { plural } from '../util/plural.js';

/** A replayed day's settings besides the jobs' own: the schedule, caps, policy and day folder. */
export interface DayReplaySettings extends PolicyFlags {
  speed: number;
  /** Milliseconds; Infinity keeps every gap. */
  maxWait: number;
  maxWorkers?: number;
  maxJobs: number;
  minGrantFraction: number;
  /** Milliseconds. */
  maxHeadWait: number;
  out?: string;
}

/** Flags of `obifaas replay`, as commander parses them (job settings pass through to the spec). */
export interface ReplayFlags extends DayReplaySettings, Record<string, unknown> {
  strict?: boolean;
  json?: boolean;
  config?: string;
}

/** Flags that belong to the replay, not to the job settings. */
const REPLAY_ONLY = [
  'speed',
  'maxWait',
  'maxWorkers',
  'maxJobs',
  'minGrantFraction',
  'maxHeadWait',
  'policy',
  'cprPerMillion',
  'deadline',
  'cprModel',
  'strict',
  'out',
  'staging',
  'json',
  'config',
];

/** The day folder: `--out`, which must be new or empty, or `./obifaas-out/replay-<day>-<time>`. */
async function dayFolder(dayName: string, out: string | undefined, now: Date): Promise<string> {
  const dir = path.resolve(out ?? path.join('obifaas-out', `replay-${dayName}-${timestampForName(now)}`));
  const info = await stat(dir).catch(() => null);
  if (info && !info.isDirectory()) throw new UserError(`--out: '${dir}' is a file, not a folder`);
  if (info && (await readdir(dir)).length > 0)
    throw new UserError(`--out: '${dir}' is not empty; choose a new folder for the day's job folders`);
  return dir;
}

/** The shared job settings from flags, config file and environment; the backend runs `maxWorkers` at once. */
async function jobSettings(flags: ReplayFlags): Promise<ResolvedJobSpec> {
  const jobFlags = Object.fromEntries(Object.entries(flags).filter(([k]) => !REPLAY_ONLY.includes(k)));
  if (flags.maxWorkers !== undefined) jobFlags.maxConcurrency = flags.maxWorkers;
  return resolveJobSpec({ flags: jobFlags, ...(flags.config ? { configFile: flags.config } : {}) });
}

/** A replayed day: its report, where it was written, and whether it was cancelled. */
export interface ReplayRun {
  report: DayReport;
  file: string;
  outDir: string;
  notes: string[];
  cancelled: boolean;
}

/** A running replay's seams: its signal stops it; progress goes to `onProgress`. */
export interface ReplayHooks {
  signal?: AbortSignal;
  onProgress?: (p: ReplayProgress) => void;
  now?: () => Date;
}

/** Checks, then replays the trace; `signal` stops it. Throws {@link UserError} before any job starts for bad input. */
export async function replayTraceFile(
  traceFile: string,
  flags: ReplayFlags,
  hooks: ReplayHooks = {},
): Promise<ReplayRun> {
  const trace = await readTraceCsv(traceFile, { strict: flags.strict ?? false });
  const spec = await jobSettings(flags);
  const run = await replayDayTrace(
    { rows: trace.rows, file: traceFile, malformedRows: trace.malformed.length },
    spec,
    flags,
    hooks,
  );
  const skipped = malformedSummary(trace);
  return skipped ? { ...run, notes: [skipped, ...run.notes] } : run;
}

/**
 * Replays a day's jobs with real job managers, each job with the settings of `spec` (its inputs
 * are the dataset every job takes its images from, cycling). Checks the dataset, the model and
 * the day folder first: throws {@link UserError} before any job starts for bad input.
 */
export async function replayDayTrace(
  trace: DayTrace,
  spec: ResolvedJobSpec,
  flags: DayReplaySettings,
  hooks: ReplayHooks = {},
): Promise<ReplayRun> {
  const now = hooks.now ?? (() => new Date());
  const schedule = buildSchedule(trace.rows, { speed: flags.speed, maxWaitSeconds: flags.maxWait / 1000 });
  const maxWorkers = flags.maxWorkers ?? spec.backend.maxConcurrency;
  const caps = resolveCaps({ maxWorkers, maxJobs: flags.maxJobs });
  const policy = await policyFromFlags(flags, {
    pricePerSecondUsd: pricePerSecondUsd(spec.prices, spec.backend.memoryMb),
    maxWorkers: caps.maxWorkers,
  });
  // The dataset, the model (a builtin one built) and the labels are checked once, together,
  // before any job starts.
  const { inputs: dataset } = await resolveJobSources(spec);
  const dayName = trace.file ? path.basename(trace.file, path.extname(trace.file)) : 'day';
  const outDir = await dayFolder(dayName, flags.out, now());

  const { report, file, notSubmitted } = await replayWithJobManagers({
    schedule,
    base: spec,
    dataset,
    outDir,
    maxWorkers: caps.maxWorkers,
    maxJobs: caps.maxJobs,
    policy,
    minGrantFraction: flags.minGrantFraction,
    maxHeadWaitMs: flags.maxHeadWait,
    ...(hooks.signal ? { signal: hooks.signal } : {}),
    ...(hooks.onProgress ? { onProgress: hooks.onProgress } : {}),
    now,
    meta: {
      ...(trace.file !== null ? { traceFile: trace.file } : {}),
      malformedRows: trace.malformedRows,
      settings: {
        policy: flags.policy,
        ...(flags.cprPerMillion !== undefined ? { cprPerMillionUsd: flags.cprPerMillion } : {}),
        ...(flags.deadline !== undefined ? { deadlineSeconds: flags.deadline / 1000 } : {}),
        speed: flags.speed,
        maxWaitSeconds: Number.isFinite(flags.maxWait) ? flags.maxWait / 1000 : null,
        maxHeadWaitSeconds: Number.isFinite(flags.maxHeadWait) ? flags.maxHeadWait / 1000 : null,
        outDir,
      },
    },
  });
  const notes: string[] = [];
  const cancelled = hooks.signal?.aborted === true;
  if (cancelled)
    notes.push(
      `replay cancelled: ${plural(report.totals.cancelled, 'job')} cancelled, ${notSubmitted} never submitted; ` +
        'unfinished inputs of running jobs are marked "cancelled" in their results.jsonl',
    );
  if (report.totals.failed > 0)
    notes.push(`${plural(report.totals.failed, 'job')} failed; see the "error" of each job in ${file}`);
  return { report, file, outDir, notes, cancelled };
}
