/**
 * The replay loop: submits each job of a schedule at its (compressed) arrival time to an
 * {@link Orchestrator}, waits for all of them, and returns per-job outcomes for
 * {@link buildDayReport}. How one job runs is injected (`runJob`: in production, a job manager
 * on a compute backend), as is what its result costs and where its record lives (`describe`).
 */
import { messageOf } from '../errors.js';
import type { AdmissionOptions } from '../orchestrator/admission-queue.js';
import {
  Orchestrator,
  type JobHandle,
  type JobOutcome,
  type JobRunner,
} from '../orchestrator/orchestrator.js';
import type { JobMode } from '../orchestrator/types.js';
import type { DayJobOutcome } from '../trace/day-report.js';
import type { DayJobTemplate } from '../orchestrator/day-template.js';
import { takeInputs, type ScheduledJob } from '../trace/schedule.js';
import { steadyClock, type Clock } from '../util/steady-clock.js';

/** A trace job as the orchestrator and `runJob` see it. */
export interface ReplayJob {
  id: string;
  mode: JobMode;
  inputs: number;
  workers: number;
  splitSize: number;
  batchSize?: number;
  /** The job's inputs: `inputs` keys of the dataset, cycling when it has fewer. */
  keys: string[];
  line: number;
  datasetId: string;
  traceOffsetSeconds: number;
}

/** How each trace job asks to run (the policy may change it; the provisioner corrects it). */
export type ReplayJobTemplate = DayJobTemplate;

export interface ReplayOptions<R> extends AdmissionOptions {
  maxWorkers?: number;
  maxJobs?: number;
  schedule: readonly ScheduledJob[];
  /** The dataset's keys (its manifest). */
  keys: readonly string[];
  template: ReplayJobTemplate;
  runJob: JobRunner<ReplayJob, R>;
  /** Cost and folder of a finished job, from its outcome (null cost when unknown). */
  describe: (outcome: JobOutcome<R>) => Pick<DayJobOutcome, 'cost' | 'folder' | 'invocations' | 'dispatch'>;
  clock?: Clock;
  /**
   * Waits `ms` by `clock` (rejects when `signal` aborts); default: a timer. A job is submitted
   * only once `clock` reaches its arrival, so a wait that ends early is repeated.
   */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Stops the replay: jobs not yet submitted are skipped, queued and running ones cancelled. */
  signal?: AbortSignal;
  onChange?: (event: { type: 'queued' | 'started' | 'ended'; id: string; outcome?: JobOutcome<R> }) => void;
}

function timerSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Replays the schedule; resolves with one outcome per submitted job, in schedule order. */
export async function replayDay<R>(options: ReplayOptions<R>): Promise<DayJobOutcome[]> {
  const clock = options.clock ?? steadyClock;
  const sleep = options.sleep ?? timerSleep;
  const stop = new AbortController();
  const onOuterAbort = (): void => stop.abort(options.signal?.reason);
  if (options.signal?.aborted) onOuterAbort();
  else options.signal?.addEventListener('abort', onOuterAbort, { once: true });
  const orchestrator = new Orchestrator<ReplayJob, R>({ ...options, clock });
  const submitted: Array<{ scheduled: ScheduledJob; handle: JobHandle<R> }> = [];
  try {
    const t0 = clock.now();
    for (const scheduled of options.schedule) {
      // A timer may fire up to a millisecond before the clock reaches its end (timers count
      // whole milliseconds from the event loop's cached time): wait again until it has.
      for (let wait = t0 + scheduled.arrivalMs - clock.now(); wait > 0 && !stop.signal.aborted;) {
        await sleep(wait, stop.signal);
        wait = t0 + scheduled.arrivalMs - clock.now();
      }
      if (stop.signal.aborted) break;
      const job: ReplayJob = {
        id: scheduled.id,
        ...options.template,
        inputs: scheduled.row.images,
        keys: takeInputs(options.keys, scheduled.row.images),
        line: scheduled.row.line,
        datasetId: scheduled.row.datasetId,
        traceOffsetSeconds: scheduled.traceOffsetSeconds,
      };
      submitted.push({ scheduled, handle: orchestrator.submit(job) });
    }
  } catch (err) {
    if (!stop.signal.aborted) throw err;
  } finally {
    options.signal?.removeEventListener('abort', onOuterAbort);
  }
  if (stop.signal.aborted) await orchestrator.cancelAll(messageOf(stop.signal.reason ?? 'replay stopped'));
  const outcomes = await Promise.all(submitted.map((s) => s.handle.done));
  return outcomes.map((o, i) => {
    const scheduled = (submitted[i] as (typeof submitted)[number]).scheduled;
    const { cost, folder, invocations, dispatch } = options.describe(o);
    return {
      id: o.id,
      status: o.status,
      ...(o.error ? { error: messageOf(o.error) } : {}),
      images: o.inputs,
      mode: o.mode,
      requestedWorkers: o.requestedWorkers,
      workers: o.workers,
      splitSize: o.splitSize,
      submittedAtMs: o.submittedAt,
      startedAtMs: o.startedAt,
      endedAtMs: o.endedAt,
      cost,
      ...(invocations !== undefined ? { invocations } : {}),
      ...(dispatch !== undefined ? { dispatch } : {}),
      line: scheduled.row.line,
      datasetId: scheduled.row.datasetId,
      traceOffsetSeconds: scheduled.traceOffsetSeconds,
      ...(folder !== undefined ? { folder } : {}),
    };
  });
}
