/**
 * The orchestrator: runs many jobs in one process under the provisioner's caps. Jobs wait in an
 * {@link AdmissionQueue}; each admitted job is handed to the injected `runJob` (which, in
 * production, starts a job manager with its own dispatcher port and token) with the corrected
 * workers and split size. Capacity is released when `runJob` settles, whether the job ended,
 * failed or was cancelled.
 */
import { messageOf, UserError } from '../errors.js';
import {
  AdmissionQueue,
  type AdmissionOptions,
  type AdmissionSnapshot,
  type QueuedJob,
} from './admission-queue.js';
import type { JobShape } from './types.js';
import { steadyClock, type Clock } from '../util/steady-clock.js';

/** A job as submitted: its shape, an optional id (one is made up otherwise), and anything the runner needs. */
export type SubmittedJob = JobShape & { id?: string };

/** What `runJob` receives: the job with corrected `workers`/`splitSize` (and possibly `mode` from the policy). */
export type AdmittedJob<J extends SubmittedJob> = J & {
  id: string;
  /** What the policy asked for, before correction against the caps. */
  requestedWorkers: number;
  queueWaitMs: number;
};

/** Runs one admitted job to its end; should stop soon after `signal` aborts. */
export type JobRunner<J extends SubmittedJob, R> = (
  job: AdmittedJob<J>,
  context: { signal: AbortSignal },
) => Promise<R>;

export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

/** The record of one job; `done` resolves to it once the job is over (never rejects). */
export interface JobOutcome<R> {
  id: string;
  status: 'succeeded' | 'failed' | 'cancelled';
  /** What `runJob` returned (succeeded only). */
  result?: R;
  /** Why it failed or was cancelled. */
  error?: Error;
  inputs: number;
  mode: JobShape['mode'];
  /** Workers the policy asked for. */
  requestedWorkers: number;
  /** Workers granted after correction; null when cancelled before it started. */
  workers: number | null;
  splitSize: number;
  /** Epoch ms (the orchestrator's clock). */
  submittedAt: number;
  startedAt: number | null;
  endedAt: number;
  queueWaitMs: number;
}

/** A submitted job. */
export interface JobHandle<R> {
  id: string;
  done: Promise<JobOutcome<R>>;
  /** Cancels the job: removes it from the queue, or aborts its runner. Resolves once it is over. */
  cancel(reason?: string): Promise<JobOutcome<R>>;
  status(): JobStatus;
}

export interface OrchestratorOptions<J extends SubmittedJob, R> extends AdmissionOptions {
  maxWorkers?: number;
  maxJobs?: number;
  runJob: JobRunner<J, R>;
  clock?: Clock;
  /** Called on every queue change (for progress displays). Must not throw. */
  onChange?: (event: { type: 'queued' | 'started' | 'ended'; id: string; outcome?: JobOutcome<R> }) => void;
}

/** A cancellation, as the error of a cancelled job. */
export class JobCancelledError extends Error {
  override name = 'JobCancelledError';
}

interface Tracked<J extends SubmittedJob, R> {
  job: J & { id: string };
  status: JobStatus;
  submittedAt: number;
  startedAt: number | null;
  requestedWorkers: number;
  workers: number | null;
  splitSize: number;
  mode: JobShape['mode'];
  queueWaitMs: number;
  abort: AbortController;
  resolve: (o: JobOutcome<R>) => void;
  done: Promise<JobOutcome<R>>;
}

export class Orchestrator<J extends SubmittedJob = SubmittedJob, R = unknown> {
  private readonly queue: AdmissionQueue<J & QueuedJob>;
  private readonly clock: Clock;
  private readonly runJob: JobRunner<J, R>;
  private readonly onChange: OrchestratorOptions<J, R>['onChange'];
  private readonly jobs = new Map<string, Tracked<J, R>>();
  private readonly outcomes: Array<JobOutcome<R>> = [];
  private nextId = 1;
  private idleWaiters: Array<() => void> = [];

  constructor(options: OrchestratorOptions<J, R>) {
    this.queue = new AdmissionQueue({
      ...options,
      caps: {
        ...options.caps,
        maxWorkers: options.maxWorkers ?? options.caps?.maxWorkers,
        maxJobs: options.maxJobs ?? options.caps?.maxJobs,
      },
    });
    this.clock = options.clock ?? steadyClock;
    this.runJob = options.runJob;
    this.onChange = options.onChange;
  }

  /** Queues a job; it starts as soon as the caps allow. Throws {@link UserError} for a duplicate id or bad inputs. */
  submit(job: J): JobHandle<R> {
    const id = job.id ?? this.freshId();
    if (this.jobs.has(id)) throw new UserError(`job ${id}: already submitted`);
    const withId = { ...job, id } as J & QueuedJob;
    const now = this.clock.now();
    const shaped = this.queue.enqueue(withId, now);
    let resolve!: (o: JobOutcome<R>) => void;
    const done = new Promise<JobOutcome<R>>((r) => (resolve = r));
    const tracked: Tracked<J, R> = {
      job: withId,
      status: 'queued',
      submittedAt: now,
      startedAt: null,
      requestedWorkers: shaped.workers,
      workers: null,
      splitSize: shaped.splitSize,
      mode: shaped.mode,
      queueWaitMs: 0,
      abort: new AbortController(),
      resolve,
      done,
    };
    this.jobs.set(id, tracked);
    this.onChange?.({ type: 'queued', id });
    this.pump();
    return { id, done, cancel: (reason) => this.cancel(id, reason), status: () => tracked.status };
  }

  /** Cancels a queued or running job; resolves with its outcome (unchanged if it was already over). */
  cancel(id: string, reason = 'cancelled'): Promise<JobOutcome<R>> {
    const tracked = this.jobs.get(id);
    if (!tracked) return Promise.reject(new UserError(`job ${id}: unknown`));
    if (tracked.status === 'queued') {
      this.queue.remove(id);
      this.finish(tracked, 'cancelled', undefined, new JobCancelledError(reason));
    } else if (tracked.status === 'running') {
      tracked.abort.abort(new JobCancelledError(reason));
    }
    return tracked.done;
  }

  /** Cancels everything queued or running and waits for it to be over. */
  async cancelAll(reason = 'cancelled'): Promise<void> {
    const pending = [...this.jobs.values()].filter((t) => t.status === 'queued' || t.status === 'running');
    // Queued ones first, so that releasing running ones does not start them.
    for (const t of pending.filter((p) => p.status === 'queued')) void this.cancel(t.job.id, reason);
    await Promise.all(pending.map((t) => this.cancel(t.job.id, reason)));
  }

  /** Resolves when no job is queued or running. */
  idle(): Promise<void> {
    if (this.queue.queued === 0 && this.queue.running === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Outcomes of every finished job, in the order they finished. */
  finished(): ReadonlyArray<JobOutcome<R>> {
    return this.outcomes;
  }

  snapshot(): AdmissionSnapshot {
    return this.queue.snapshot(this.clock.now());
  }

  private freshId(): string {
    let id: string;
    do id = `job-${String(this.nextId++).padStart(4, '0')}`;
    while (this.jobs.has(id));
    return id;
  }

  private pump(): void {
    const now = this.clock.now();
    for (const admission of this.queue.admit(now)) {
      const tracked = this.jobs.get(admission.job.id) as Tracked<J, R>;
      tracked.status = 'running';
      tracked.startedAt = now;
      tracked.workers = admission.grant.workers;
      tracked.splitSize = admission.grant.splitSize;
      tracked.queueWaitMs = admission.queueWaitMs;
      const admitted = {
        ...tracked.job,
        mode: admission.shaped.mode,
        workers: admission.grant.workers,
        splitSize: admission.grant.splitSize,
        requestedWorkers: admission.shaped.workers,
        queueWaitMs: admission.queueWaitMs,
      } as AdmittedJob<J>;
      this.onChange?.({ type: 'started', id: tracked.job.id });
      const signal = tracked.abort.signal;
      Promise.resolve()
        .then(() => this.runJob(admitted, { signal }))
        .then(
          (result) => {
            if (signal.aborted) this.finish(tracked, 'cancelled', undefined, abortReason(signal));
            else this.finish(tracked, 'succeeded', result);
          },
          (err: unknown) => {
            const status = signal.aborted ? 'cancelled' : 'failed';
            this.finish(tracked, status, undefined, signal.aborted ? abortReason(signal) : toError(err));
          },
        )
        .catch((err: unknown) => {
          // finish() itself threw (an onChange callback): keep the queue moving regardless.
          process.emitWarning(`orchestrator: ${messageOf(err)}`);
        });
    }
  }

  private finish(tracked: Tracked<J, R>, status: JobOutcome<R>['status'], result?: R, error?: Error): void {
    const wasRunning = tracked.status === 'running';
    tracked.status = status;
    const outcome: JobOutcome<R> = {
      id: tracked.job.id,
      status,
      ...(result !== undefined ? { result } : {}),
      ...(error ? { error } : {}),
      inputs: tracked.job.inputs,
      mode: tracked.mode,
      requestedWorkers: tracked.requestedWorkers,
      workers: tracked.workers,
      splitSize: tracked.splitSize,
      submittedAt: tracked.submittedAt,
      startedAt: tracked.startedAt,
      endedAt: this.clock.now(),
      queueWaitMs: wasRunning ? tracked.queueWaitMs : this.clock.now() - tracked.submittedAt,
    };
    this.outcomes.push(outcome);
    if (wasRunning) this.queue.release(tracked.job.id);
    tracked.resolve(outcome);
    this.pump();
    if (this.queue.queued === 0 && this.queue.running === 0) for (const w of this.idleWaiters.splice(0)) w();
    this.onChange?.({ type: 'ended', id: tracked.job.id, outcome });
  }
}

function toError(err: unknown): Error {
  return err instanceof Error ? err : new Error(messageOf(err));
}

function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error
    ? signal.reason
    : new JobCancelledError(String(signal.reason ?? 'cancelled'));
}
