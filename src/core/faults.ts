/**
 * Fault injection for experiments (pure, seeded): which of a job's workers raise an error after
 * their first split, and which sleep, and for how long, per split. The job manager decides and
 * sends each worker its faults in its payload, so a run is reproducible from its seed.
 *
 * Of the `plannedWorkers` a job starts with, exactly `round(plannedWorkers x percent / 100)` get
 * each fault, chosen by a seeded shuffle. Workers started later (replacements of failed ones,
 * extra workers for speculative copies) draw each fault independently with the same percentage.
 * A delayed worker sleeps one delay drawn uniformly from (0, delayMaxMs] before each split.
 */
import { Random } from './random.js';

/** Faults a worker injects into itself, for experiments. Decided by the job manager per worker. */
export interface WorkerFaults {
  /** Raise an error after the first split. */
  failAfterFirstSplit?: boolean;
  /**
   * Sleep this long for each split: static workers before it; dynamic workers after computing
   * it and before returning it (a slow worker; a cancel from the dispatcher cuts the sleep short).
   */
  delayMsPerSplit?: number;
}

/** A job's fault settings, as resolved from its spec. */
export interface FaultPolicy {
  /** Percentage (0-100) of workers that raise an error after their first split. */
  failPercent: number;
  /** Percentage (0-100) of workers that sleep before each split. */
  delayPercent: number;
  /** Longest delay per split, ms. */
  delayMaxMs: number;
  seed: number;
}

/** What was decided for one worker, in the order workers were started. */
export interface WorkerFaultDecision {
  workerId: string;
  /** 0 for the first worker started, 1 for the next... */
  ordinal: number;
  /** Whether the worker was one of the planned workers (exact counts) or started later (drawn). */
  planned: boolean;
  faults: WorkerFaults;
}

/** How many of `count` items a percentage selects (at least 0, at most `count`). */
export function countForPercent(count: number, percent: number): number {
  return Math.min(count, Math.max(0, Math.round((count * percent) / 100)));
}

/**
 * The indexes (0..count-1) of exactly `countForPercent(count, percent)` items, chosen by a
 * shuffle seeded with `seed`.
 */
export function pickPercent(count: number, percent: number, seed: number): Set<number> {
  const order = Array.from({ length: count }, (_, i) => i);
  const random = new Random(seed);
  for (let i = order.length - 1; i > 0; i--) {
    const j = random.int(0, i);
    [order[i], order[j]] = [order[j] as number, order[i] as number];
  }
  return new Set(order.slice(0, countForPercent(count, percent)));
}

/** Independent seeds for the streams of one policy. */
const FAIL_STREAM = 0x6661696c;
const DELAY_STREAM = 0x64656c61;
const AMOUNT_STREAM = 0x616d6f75;
const LATE_STREAM = 0x6c617465;

/** A seed for one worker in one stream, well mixed (nearby seeds or ordinals give unrelated draws). */
function streamSeed(stream: number, seed: number, ordinal: number): number {
  return (Math.imul(seed ^ stream, 0x9e3779b1) ^ Math.imul(ordinal + 1, 0x85ebca6b)) >>> 0;
}

/** Decides each worker's faults, in the order the job starts them; remembers every decision. */
export class FaultInjector {
  private readonly failing: Set<number>;
  private readonly delayed: Set<number>;
  private readonly decided = new Map<string, WorkerFaultDecision>();

  constructor(
    readonly policy: FaultPolicy,
    /** The workers the job plans to start; later ones draw their faults independently. */
    readonly plannedWorkers: number,
  ) {
    for (const [name, percent] of [
      ['failPercent', policy.failPercent],
      ['delayPercent', policy.delayPercent],
    ] as const) {
      if (!(percent >= 0 && percent <= 100)) throw new RangeError(`${name} must be 0..100, got ${percent}`);
    }
    if (!(policy.delayMaxMs >= 0)) throw new RangeError(`delayMaxMs must be >= 0, got ${policy.delayMaxMs}`);
    this.failing = pickPercent(plannedWorkers, policy.failPercent, policy.seed ^ FAIL_STREAM);
    this.delayed = pickPercent(plannedWorkers, policy.delayPercent, policy.seed ^ DELAY_STREAM);
  }

  /** The faults of a worker (the same answer every time for the same id); undefined when none. */
  faultsFor(workerId: string): WorkerFaults | undefined {
    let decision = this.decided.get(workerId);
    if (!decision) {
      decision = this.decide(workerId, this.decided.size);
      this.decided.set(workerId, decision);
    }
    return Object.keys(decision.faults).length > 0 ? decision.faults : undefined;
  }

  /** What was decided for `workerId`, when its faults were asked for and it has one. */
  decision(workerId: string): WorkerFaultDecision | undefined {
    const decision = this.decided.get(workerId);
    return decision && Object.keys(decision.faults).length > 0 ? decision : undefined;
  }

  /** Every worker given a fault so far, in the order they were started. */
  decisions(): WorkerFaultDecision[] {
    return [...this.decided.values()].filter((d) => Object.keys(d.faults).length > 0);
  }

  private decide(workerId: string, ordinal: number): WorkerFaultDecision {
    const planned = ordinal < this.plannedWorkers;
    let fails: boolean;
    let delays: boolean;
    if (planned) {
      fails = this.failing.has(ordinal);
      delays = this.delayed.has(ordinal);
    } else {
      const late = new Random(streamSeed(LATE_STREAM, this.policy.seed, ordinal));
      fails = late.next() * 100 < this.policy.failPercent;
      delays = late.next() * 100 < this.policy.delayPercent;
    }
    const faults: WorkerFaults = {};
    if (fails) faults.failAfterFirstSplit = true;
    if (delays && this.policy.delayMaxMs > 0) {
      const amount = new Random(streamSeed(AMOUNT_STREAM, this.policy.seed, ordinal));
      // Uniform in (0, delayMaxMs]: 1 - U is in (0, 1].
      faults.delayMsPerSplit = Math.max(1, Math.round((1 - amount.next()) * this.policy.delayMaxMs));
    }
    return { workerId, ordinal, planned, faults };
  }
}
