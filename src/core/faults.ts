/**
 * Fault injection for experiments (pure, seeded): which of a job's workers raise an error after
 * their first split, and which sleep, and for how long, per split. The job manager decides and
 * sends each worker its faults in its payload, so a run is reproducible from its seed.
 *
 * Of the `plannedWorkers` a job starts with, exactly `round(plannedWorkers x percent / 100)` get
 * each fault, chosen by a seeded shuffle. Workers started later (replacements of failed ones,
 * extra workers for speculative copies) draw each fault independently with the same percentage.
 * A delayed worker sleeps one delay drawn uniformly from (0, delayMaxMs] before each split.
 *
 * Read errors are decided per input and per attempt of its split, not per worker: with
 * `readErrorPercent`, every worker is sent the {@link ReadErrorFault}, and the read of an input
 * fails with a passing storage error (S3 `SlowDown`, 503) when {@link readErrorInjected} says so
 * for its key and the attempt. Each attempt draws again, so an input retried within the job may
 * pass; at 100 % every attempt fails.
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
  /** Fail the reads of some inputs with a passing storage error (see {@link readErrorInjected}). */
  readErrors?: ReadErrorFault;
}

/** The read-error fault a worker is sent: which share of its inputs' reads fail, and the seed. */
export interface ReadErrorFault {
  /** Percentage (0-100) of inputs whose read fails on a given attempt. */
  percent: number;
  seed: number;
}

/** A job's fault settings, as resolved from its spec. */
export interface FaultPolicy {
  /** Percentage (0-100) of workers that raise an error after their first split. */
  failPercent: number;
  /** Percentage (0-100) of workers that sleep before each split. */
  delayPercent: number;
  /** Longest delay per split, ms. */
  delayMaxMs: number;
  /** Percentage (0-100) of inputs whose read fails with a passing error on a given attempt; absent: 0. */
  readErrorPercent?: number;
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
const READ_STREAM = 0x72656164;

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
      ['readErrorPercent', policy.readErrorPercent ?? 0],
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
    const readErrors = readErrorFaultOf(this.policy);
    if (readErrors) faults.readErrors = readErrors;
    return { workerId, ordinal, planned, faults };
  }
}

/** The read-error fault of a policy; undefined when it asks for none. */
export function readErrorFaultOf(policy: FaultPolicy): ReadErrorFault | undefined {
  const percent = policy.readErrorPercent ?? 0;
  return percent > 0 ? { percent, seed: policy.seed } : undefined;
}

/**
 * Whether the read of the input `key` fails on attempt `attempt` of its split (0 for the first):
 * a seeded hash of the key and the attempt, uniform in [0, 1), under `percent` / 100. The same
 * answer for the same arguments; never at 0 %, always at 100 %.
 */
export function readErrorInjected(fault: ReadErrorFault, key: string, attempt: number): boolean {
  if (!(fault.percent > 0)) return false;
  if (fault.percent >= 100) return true;
  let h = streamSeed(READ_STREAM, fault.seed, attempt);
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  // The murmur3 finaliser, so that nearby keys give unrelated draws.
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  h = (h ^ (h >>> 16)) >>> 0;
  return (h / 4294967296) * 100 < fault.percent;
}

/** What an injected read error looks like: S3 throttling (a passing error). */
export const INJECTED_READ_ERROR = {
  name: 'SlowDown',
  httpStatusCode: 503,
  message: 'injected fault: SlowDown (503): please reduce your request rate',
} as const;
