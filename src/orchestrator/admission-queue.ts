/**
 * The job queue with admission control (pure; time is passed in). The real orchestrator and the
 * simulator both drive this one class: `enqueue` when a job arrives, `admit` after anything
 * changed, `release` when a job ends, fails or is cancelled.
 *
 * Order and starvation. Jobs are considered in arrival order. With the reference's correction
 * (`minGrantFraction` 0, the default) a job is shrunk to whatever is free, so the head of the
 * queue can start whenever any job can: admission is strict FIFO and nobody is overtaken.
 * With `minGrantFraction` > 0 the head may be waiting for more workers than are free while a
 * smaller job behind it would fit. Such a job may then start ahead of the head ("backfill"), but
 * only while the head has waited less than `maxHeadWaitMs`; after that, nothing overtakes it,
 * running jobs drain, and it starts. A head job waits at most `maxHeadWaitMs` plus the time the
 * jobs already running need to free its workers; it is never overtaken forever.
 */
import { SpecError, UserError, type Issue } from '../errors.js';
import { applyPolicy, defaultPolicy } from './policies.js';
import { ResourceProvisioner, type Grant } from './provisioner.js';
import type { JobPolicy, JobShape, ProvisionerCaps } from './types.js';

/** A job as the queue takes it: its shape plus a unique id. */
export interface QueuedJob extends JobShape {
  id: string;
}

/** How the queue admits jobs. */
export interface AdmissionOptions {
  /** Worker and job caps (defaults: 100 workers, 1 job). */
  caps?: Partial<ProvisionerCaps>;
  /** Applied once per job at enqueue (default: {@link defaultPolicy}). */
  policy?: JobPolicy;
  /**
   * Share (0..1) of the workers a job wants that must be free before it starts. 0 (default) is
   * the reference: start with whatever is free, at least 1 worker.
   */
  minGrantFraction?: number;
  /** Later jobs may start before a blocked head only while it has waited less than this (default 60 s). */
  maxHeadWaitMs?: number;
  /** How many queued jobs behind the head are looked at for backfilling (default 64). */
  backfillWindow?: number;
}

/** Defaults of {@link AdmissionOptions}. */
export const ADMISSION_DEFAULTS = Object.freeze({
  minGrantFraction: 0,
  maxHeadWaitMs: 60_000,
  backfillWindow: 64,
});

/** A job the queue has decided to start now. */
export interface Admission<J extends QueuedJob> {
  /** The job as submitted. */
  job: J;
  /** The job after the policy, before correction (its `workers` is what the policy asked for). */
  shaped: JobShape;
  /** Corrected resources: run with these. */
  grant: Grant;
  enqueuedAt: number;
  admittedAt: number;
  queueWaitMs: number;
  /** True when it started ahead of an earlier job that was still waiting. */
  backfilled: boolean;
}

/** What the queue holds, for progress displays and tests. */
export interface AdmissionSnapshot {
  queued: Array<{ id: string; waitedMs: number; wantedWorkers: number }>;
  running: Array<{ id: string; workers: number }>;
  runningWorkers: number;
  capacityLeft: number;
  caps: ProvisionerCaps;
}

interface Entry<J extends QueuedJob> {
  job: J;
  shaped: JobShape;
  enqueuedAt: number;
  live: boolean;
}

/**
 * The problems of the admission options: `minGrantFraction` in [0, 1], the head's longest wait
 * a number >= 0 (`Infinity`: no limit), under the name the caller gives it (default
 * `maxHeadWaitMs`; a day's options take seconds), and `backfillWindow` an integer >= 0.
 */
export function admissionIssues(
  options: {
    minGrantFraction?: number | undefined;
    maxHeadWait?: number | undefined;
    backfillWindow?: number | undefined;
  },
  maxHeadWaitName = 'maxHeadWaitMs',
): Issue[] {
  const issues: Issue[] = [];
  const fraction = options.minGrantFraction ?? ADMISSION_DEFAULTS.minGrantFraction;
  if (Number.isNaN(fraction) || fraction < 0 || fraction > 1)
    issues.push({ path: 'minGrantFraction', message: `expected a number in [0, 1], got ${fraction}` });
  const wait = options.maxHeadWait ?? 0;
  if (Number.isNaN(wait) || wait < 0)
    issues.push({ path: maxHeadWaitName, message: `expected a number >= 0, got ${wait}` });
  const window = options.backfillWindow ?? ADMISSION_DEFAULTS.backfillWindow;
  if (!Number.isInteger(window) || window < 0)
    issues.push({ path: 'backfillWindow', message: `expected an integer >= 0, got ${window}` });
  return issues;
}

export class AdmissionQueue<J extends QueuedJob = QueuedJob> {
  readonly provisioner: ResourceProvisioner;
  private readonly policy: JobPolicy;
  private readonly minGrantFraction: number;
  private readonly maxHeadWaitMs: number;
  private readonly backfillWindow: number;
  private entries: Array<Entry<J>> = [];
  private head = 0;
  private liveCount = 0;
  private readonly byId = new Map<string, Entry<J>>();
  private readonly runningIds = new Set<string>();

  constructor(options: AdmissionOptions = {}) {
    this.provisioner = new ResourceProvisioner(options.caps);
    this.policy = options.policy ?? defaultPolicy;
    const issues = admissionIssues({
      minGrantFraction: options.minGrantFraction,
      maxHeadWait: options.maxHeadWaitMs,
      backfillWindow: options.backfillWindow,
    });
    if (issues.length > 0) throw new SpecError(issues, 'invalid admission options');
    this.minGrantFraction = options.minGrantFraction ?? ADMISSION_DEFAULTS.minGrantFraction;
    this.maxHeadWaitMs = options.maxHeadWaitMs ?? ADMISSION_DEFAULTS.maxHeadWaitMs;
    this.backfillWindow = options.backfillWindow ?? ADMISSION_DEFAULTS.backfillWindow;
  }

  /** Jobs waiting. */
  get queued(): number {
    return this.liveCount;
  }

  /** Jobs admitted and not yet released. */
  get running(): number {
    return this.runningIds.size;
  }

  /** True while the job waits or runs. */
  has(jobId: string): boolean {
    return this.byId.has(jobId) || this.runningIds.has(jobId);
  }

  /**
   * Adds a job at the back, after applying the policy. Returns the shaped job. Throws
   * {@link UserError} for a duplicate id or inputs that are not an integer >= 1.
   */
  enqueue(job: J, now: number): JobShape {
    if (this.has(job.id)) throw new UserError(`job ${job.id}: already queued or running`);
    if (!Number.isInteger(job.inputs) || job.inputs < 1)
      throw new UserError(`job ${job.id}: inputs must be an integer >= 1, got ${job.inputs}`);
    const shaped = applyPolicy(this.policy, job);
    const entry: Entry<J> = { job, shaped, enqueuedAt: now, live: true };
    this.entries.push(entry);
    this.byId.set(job.id, entry);
    this.liveCount++;
    return shaped;
  }

  /** Every job that can start now, in the order they should start, with their grants. */
  admit(now: number): Array<Admission<J>> {
    const admitted: Array<Admission<J>> = [];
    for (;;) {
      this.skipDead();
      const head = this.entries[this.head];
      if (!head) return admitted;
      const grant = this.provisioner.plan(head.shaped, this.minGrantFraction);
      if (!grant) break;
      this.start(head, grant, now, false, admitted);
    }
    const head = this.entries[this.head];
    if (!head || now - head.enqueuedAt >= this.maxHeadWaitMs) return admitted;
    let looked = 0;
    for (let i = this.head + 1; i < this.entries.length && looked < this.backfillWindow; i++) {
      const entry = this.entries[i] as Entry<J>;
      if (!entry.live) continue;
      looked++;
      if (this.provisioner.runningJobs >= this.provisioner.caps.maxJobs || this.provisioner.capacityLeft < 1)
        break;
      const grant = this.provisioner.plan(entry.shaped, this.minGrantFraction);
      if (grant) this.start(entry, grant, now, true, admitted);
    }
    return admitted;
  }

  /** Frees a running job's resources. Returns false if it was not running. Call `admit` next. */
  release(jobId: string): boolean {
    if (!this.runningIds.delete(jobId)) return false;
    this.provisioner.release(jobId);
    return true;
  }

  /** Takes a waiting job out of the queue (cancelled before it started); undefined if not waiting. */
  remove(jobId: string): J | undefined {
    const entry = this.byId.get(jobId);
    if (!entry) return undefined;
    this.kill(entry);
    return entry.job;
  }

  snapshot(now: number): AdmissionSnapshot {
    const queued: AdmissionSnapshot['queued'] = [];
    for (let i = this.head; i < this.entries.length; i++) {
      const e = this.entries[i] as Entry<J>;
      if (e.live)
        queued.push({
          id: e.job.id,
          waitedMs: now - e.enqueuedAt,
          wantedWorkers: this.provisioner.wantedWorkers(e.shaped),
        });
    }
    const running = [...this.runningIds].map((id) => ({ id, workers: this.provisioner.heldBy(id) ?? 0 }));
    return {
      queued,
      running,
      runningWorkers: this.provisioner.runningWorkers,
      capacityLeft: this.provisioner.capacityLeft,
      caps: this.provisioner.caps,
    };
  }

  private start(
    entry: Entry<J>,
    grant: Grant,
    now: number,
    backfilled: boolean,
    out: Array<Admission<J>>,
  ): void {
    this.provisioner.acquire(entry.job.id, grant.workers);
    this.kill(entry);
    this.runningIds.add(entry.job.id);
    out.push({
      job: entry.job,
      shaped: entry.shaped,
      grant,
      enqueuedAt: entry.enqueuedAt,
      admittedAt: now,
      queueWaitMs: Math.max(0, now - entry.enqueuedAt),
      backfilled,
    });
  }

  private kill(entry: Entry<J>): void {
    entry.live = false;
    this.byId.delete(entry.job.id);
    this.liveCount--;
  }

  private skipDead(): void {
    while (this.head < this.entries.length && !(this.entries[this.head] as Entry<J>).live) this.head++;
    if (this.head > 1024 && this.head * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
  }
}
