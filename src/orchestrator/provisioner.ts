/**
 * The resource provisioner (pure): counts running workers and running jobs against two caps,
 * corrects a job's resources to what is left, and admits it when it fits.
 *
 * The reference corrects first and admits second, and so do we:
 *
 * 1. correction: `workers = clamp(job.workers, 1, min(inputs, capacity left))`, `splitSize >= 1`;
 * 2. admission: `runningJobs < maxJobs && runningWorkers + workers <= maxWorkers`.
 *
 * Because correction caps to the capacity left, a corrected job always fits unless no worker is
 * free at all (then it is corrected to 1 worker, and 1 does not fit) or the job cap is reached.
 * A job asking for more than the caps therefore never waits for capacity that cannot come: it is
 * shrunk to what is free. {@link ResourceProvisioner.plan} can be made less greedy with a
 * `minGrantFraction` (wait until that share of the workers the job wants is free); 0 is the
 * reference's behaviour.
 */
import { SpecError, type Issue } from '../errors.js';
import { DEFAULT_CAPS, type JobShape, type ProvisionerCaps } from './types.js';

/** Resources granted to a job when it is admitted. */
export interface Grant {
  workers: number;
  splitSize: number;
}

/** The problems of user-given caps, each under its field (an unset cap takes its default). */
export function capsIssues(caps: Partial<ProvisionerCaps> = {}): Issue[] {
  const resolved = { ...DEFAULT_CAPS, ...stripUndefined(caps) };
  return (['maxWorkers', 'maxJobs'] as const).flatMap((field) => {
    const v = resolved[field];
    return Number.isInteger(v) && v >= 1
      ? []
      : [{ path: field, message: `expected an integer >= 1, got ${v}` }];
  });
}

/** Checks user-given caps; throws {@link SpecError} naming each bad field. */
export function resolveCaps(caps: Partial<ProvisionerCaps> = {}): ProvisionerCaps {
  const issues = capsIssues(caps);
  if (issues.length > 0) throw new SpecError(issues, 'invalid caps');
  return { ...DEFAULT_CAPS, ...stripUndefined(caps) };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function wholeAtLeastOne(value: number, what: string): number {
  if (!Number.isFinite(value)) throw new RangeError(`${what} must be a finite number, got ${value}`);
  return Math.max(1, Math.floor(value));
}

/** Counts what runs against the caps. Not thread-aware: one owner drives it (the admission queue). */
export class ResourceProvisioner {
  readonly caps: ProvisionerCaps;
  private readonly held = new Map<string, number>();
  private workersInUse = 0;

  constructor(caps: Partial<ProvisionerCaps> = {}) {
    this.caps = resolveCaps(caps);
  }

  get runningWorkers(): number {
    return this.workersInUse;
  }

  get runningJobs(): number {
    return this.held.size;
  }

  /** Workers not held by any running job. */
  get capacityLeft(): number {
    return this.caps.maxWorkers - this.workersInUse;
  }

  /** The reference's admission predicate for a job of `workers` workers. */
  canAdmit(workers: number): boolean {
    return this.runningJobs < this.caps.maxJobs && this.workersInUse + workers <= this.caps.maxWorkers;
  }

  /**
   * The reference's correction against the capacity left now: workers capped to the capacity
   * left and to the inputs, at least 1; split size a whole number, at least 1.
   */
  correct(job: Readonly<JobShape>): Grant {
    const asked = wholeAtLeastOne(job.workers, 'workers');
    return {
      workers: Math.max(1, Math.min(asked, job.inputs, this.capacityLeft)),
      splitSize: wholeAtLeastOne(job.splitSize, 'splitSize'),
    };
  }

  /** Workers the job would run with if the whole pool were free: its ask capped by inputs and maxWorkers. */
  wantedWorkers(job: Readonly<JobShape>): number {
    return Math.max(1, Math.min(wholeAtLeastOne(job.workers, 'workers'), job.inputs, this.caps.maxWorkers));
  }

  /**
   * Correct, then admit: the grant the job would get now, or null when it must wait.
   * With `minGrantFraction` f > 0 the job also waits until at least `ceil(f x wanted)` workers
   * are free (wanted = {@link wantedWorkers}), so that it is not started on a sliver of the pool.
   */
  plan(job: Readonly<JobShape>, minGrantFraction = 0): Grant | null {
    const grant = this.correct(job);
    if (!this.canAdmit(grant.workers)) return null;
    if (minGrantFraction > 0) {
      const needed = Math.max(1, Math.ceil(minGrantFraction * this.wantedWorkers(job) - 1e-9));
      if (grant.workers < needed) return null;
    }
    return grant;
  }

  /** Records a job as running with `workers` workers. Throws if it does not fit or already runs. */
  acquire(jobId: string, workers: number): void {
    if (this.held.has(jobId)) throw new Error(`job ${jobId} already holds resources`);
    if (!Number.isInteger(workers) || workers < 1)
      throw new RangeError(`workers must be >= 1, got ${workers}`);
    if (!this.canAdmit(workers))
      throw new Error(
        `job ${jobId} does not fit: ${this.runningJobs}/${this.caps.maxJobs} jobs, ` +
          `${this.workersInUse}+${workers}/${this.caps.maxWorkers} workers`,
      );
    this.held.set(jobId, workers);
    this.workersInUse += workers;
  }

  /** Frees what a job holds (when it ends, fails or is cancelled). Returns false if it held nothing. */
  release(jobId: string): boolean {
    const workers = this.held.get(jobId);
    if (workers === undefined) return false;
    this.held.delete(jobId);
    this.workersInUse -= workers;
    return true;
  }

  /** Workers held by one running job, or undefined. */
  heldBy(jobId: string): number | undefined {
    return this.held.get(jobId);
  }
}
