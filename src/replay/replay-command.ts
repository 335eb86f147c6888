/**
 * The work of `obifaas replay`: check everything a replay needs before any job starts (the
 * trace, the job settings, the dataset, the model, the day folder), replay the trace with real
 * job managers, print progress on a terminal and a summary (or the day report as JSON) at the
 * end. Ctrl-C stops it cleanly: running jobs are cancelled and every input of theirs still gets
 * a line; `day.json` is written either way.
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { resolveJobSpec } from '../config/resolve.js';
import { pricePerSecondUsd } from '../core/pricing.js';
import { resolveInputs } from '../dataset/inputs.js';
import { messageOf, UserError } from '../errors.js';
import { writeDayOutputs } from '../report/write-report.js';
import { resolveCaps } from '../orchestrator/provisioner.js';
import { timestampForName } from '../spec/compile.js';
import type { ResolvedJobSpec } from '../spec/types.js';
import { resolveJobModel } from '../manager/job-model.js';
import type { DayReport } from '../trace/day-report.js';
import { formatDaySummary } from '../trace/day-summary.js';
import { policyFromFlags, type PolicyFlags } from '../orchestrator/policy-flags.js';
import { createReplayProgress } from './replay-progress.js';
import { replayWithJobManagers, type ReplayProgress } from './run-replay.js';
import { buildSchedule } from '../trace/schedule.js';
import { malformedSummary, readTraceCsv } from '../trace/trace-csv.js';

/** Flags of `obifaas replay`, as commander parses them (job settings pass through to the spec). */
export interface ReplayFlags extends PolicyFlags, Record<string, unknown> {
  speed: number;
  /** Milliseconds; Infinity keeps every gap. */
  maxWait: number;
  maxWorkers?: number;
  maxJobs: number;
  minGrantFraction: number;
  /** Milliseconds. */
  maxHeadWait: number;
  strict?: boolean;
  out?: string;
  json?: boolean;
  config?: string;
}

/** Exit code of a replay stopped by Ctrl-C (as for SIGINT). */
export const REPLAY_CANCELLED_EXIT_CODE = 130;
/** Exit code of a replay in which some job failed. */
export const REPLAY_JOB_FAILED_EXIT_CODE = 1;

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
  'json',
  'config',
];

/** The day folder: `--out`, which must be new or empty, or `./obifaas-out/replay-<trace>-<time>`. */
async function dayFolder(traceFile: string, out: string | undefined, now: Date): Promise<string> {
  const dir = path.resolve(
    out ??
      path.join(
        'obifaas-out',
        `replay-${path.basename(traceFile, path.extname(traceFile))}-${timestampForName(now)}`,
      ),
  );
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

export interface ReplayRun {
  report: DayReport;
  file: string;
  outDir: string;
  notes: string[];
  cancelled: boolean;
}

/** Checks, then replays the trace; `signal` stops it. Throws {@link UserError} before any job starts for bad input. */
export async function replayTraceFile(
  traceFile: string,
  flags: ReplayFlags,
  hooks: { signal?: AbortSignal; onProgress?: (p: ReplayProgress) => void; now?: () => Date } = {},
): Promise<ReplayRun> {
  const now = hooks.now ?? (() => new Date());
  const trace = await readTraceCsv(traceFile, { strict: flags.strict ?? false });
  const schedule = buildSchedule(trace.rows, { speed: flags.speed, maxWaitSeconds: flags.maxWait / 1000 });
  const spec = await jobSettings(flags);
  const maxWorkers = flags.maxWorkers ?? spec.backend.maxConcurrency;
  const caps = resolveCaps({ maxWorkers, maxJobs: flags.maxJobs });
  const policy = await policyFromFlags(flags, {
    pricePerSecondUsd: pricePerSecondUsd(spec.prices, spec.backend.memoryMb),
    maxWorkers: caps.maxWorkers,
  });
  const dataset = await resolveInputs(spec.inputs, spec.storage ? { storage: spec.storage } : {});
  // The model and labels are checked (a builtin model built) once, before any job starts.
  await resolveJobModel(spec, dataset.storage);
  const outDir = await dayFolder(traceFile, flags.out, now());

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
      traceFile,
      malformedRows: trace.malformed.length,
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
  const skipped = malformedSummary(trace);
  if (skipped) notes.push(skipped);
  const cancelled = hooks.signal?.aborted === true;
  if (cancelled)
    notes.push(
      `replay cancelled: ${report.totals.cancelled} job(s) cancelled, ${notSubmitted} never submitted; ` +
        'unfinished inputs of running jobs are marked "cancelled" in their results.jsonl',
    );
  if (report.totals.failed > 0)
    notes.push(`${report.totals.failed} job(s) failed; see the "error" of each job in ${file}`);
  return { report, file, outDir, notes, cancelled };
}

/** Runs `obifaas replay`: progress on a terminal, Ctrl-C handling, summary or JSON, exit code. */
export async function runReplay(traceFile: string, flags: ReplayFlags): Promise<void> {
  const controller = new AbortController();
  const onSignal = (): void => {
    if (controller.signal.aborted) process.exit(REPLAY_CANCELLED_EXIT_CODE);
    process.stderr.write(
      '\nobifaas: cancelling the replay: stopping running jobs and writing what is done (press Ctrl-C again to quit now)\n',
    );
    controller.abort(new Error('replay cancelled'));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const progress = createReplayProgress();
  let run: ReplayRun;
  try {
    run = await replayTraceFile(traceFile, flags, {
      signal: controller.signal,
      onProgress: (p) => progress.update(p),
    });
  } finally {
    progress.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  for (const note of run.notes) process.stderr.write(`obifaas: ${note}\n`);
  const plots = await writeDayOutputs(run.outDir, run.report).catch((err: unknown) => {
    process.stderr.write(`obifaas: warning: no day.svg or report.html: ${messageOf(err)}\n`);
    return [];
  });
  if (flags.json) process.stdout.write(`${JSON.stringify(run.report)}\n`);
  else {
    process.stdout.write(`${formatDaySummary(run.report)}\n`);
    process.stdout.write(`Jobs:   ${run.outDir}/<job id>/ (results.jsonl, job.json)\nDay:    ${run.file}\n`);
    if (plots.length > 0) process.stdout.write(`Plots:  ${plots.join(', ')}\n`);
  }
  if (run.cancelled) process.exitCode = REPLAY_CANCELLED_EXIT_CODE;
  else if (run.report.totals.failed > 0) process.exitCode = REPLAY_JOB_FAILED_EXIT_CODE;
}
