/**
 * How many workers a job gets (pure): a scan of every worker count under the CPR model, for a
 * cost target or a deadline, and job policies that apply the answer to a job.
 */
import { SpecError, type Issue } from '../errors.js';
import { predictCpr, predictLatency, type CprModel } from './cpr-model.js';
import { formatUsd } from '../util/money.js';
import { MAX_WORKERS } from '../protocol/limits.js';

/** What the plan must meet: a cost per million images, or a wall-clock deadline. */
export type PlanTarget = { type: 'cpr'; usdPerMillion: number } | { type: 'deadline'; seconds: number };

/** Input of {@link planWorkers}. */
export interface PlanRequest {
  images: number;
  model: CprModel;
  pricePerSecondUsd: number;
  /** Most workers the job may get (backend concurrency, account limit). */
  maxWorkers: number;
  /** Images per split: more than `ceil(images / batchSize)` workers would sit idle. */
  batchSize: number;
  target: PlanTarget;
}

/** One worker count with its predictions. */
export interface PlanOption {
  workers: number;
  predictedCprPerMillion: number;
  predictedLatencySeconds: number;
}

/**
 * The chosen worker count. When no count meets the target, `feasible` is false, the option is
 * the closest one (cheapest for a CPR target, fastest for a deadline) and `reason` says why.
 */
export interface Plan extends PlanOption {
  feasible: boolean;
  reason?: string;
  target: PlanTarget;
  /** Worker counts that were considered: 1 to this. */
  maxWorkersConsidered: number;
  /**
   * How many worker counts meet the target, and which, as ranges `[from, to]` (several when
   * the curve is not monotonic): the answer to "how many workers meet this CPR".
   */
  meeting: { count: number; ranges: [number, number][] };
}

/** The worker counts among `options` that meet `target`, as ranges of consecutive counts. */
export function meetingTarget(options: readonly PlanOption[], target: PlanTarget): Plan['meeting'] {
  const meets = (o: PlanOption): boolean =>
    target.type === 'cpr'
      ? o.predictedCprPerMillion <= target.usdPerMillion
      : o.predictedLatencySeconds <= target.seconds;
  const ranges: [number, number][] = [];
  let count = 0;
  for (const o of options) {
    if (!meets(o)) continue;
    count++;
    const last = ranges[ranges.length - 1];
    if (last && last[1] === o.workers - 1) last[1] = o.workers;
    else ranges.push([o.workers, o.workers]);
  }
  return { count, ranges };
}

/**
 * The problem with a plan target, under `path` (`target`, or a day's `policy`): its cost per
 * million images or its deadline must be a number > 0.
 */
export function targetIssues(target: PlanTarget, path: string): Issue[] {
  const [field, value] =
    target.type === 'cpr' ? ['usdPerMillion', target.usdPerMillion] : ['seconds', target.seconds];
  return Number.isFinite(value) && value > 0
    ? []
    : [{ path: `${path}.${field}`, message: `expected a number > 0, got ${value}` }];
}

/** Every problem of a plan request, each under its field. */
function requestIssues(request: PlanRequest): Issue[] {
  const issues: Issue[] = [];
  for (const field of ['images', 'maxWorkers', 'batchSize'] as const) {
    const value = request[field];
    if (!Number.isInteger(value) || value < 1)
      issues.push({ path: field, message: `expected an integer >= 1, got ${value}` });
  }
  if (request.maxWorkers > MAX_WORKERS)
    issues.push({
      path: 'maxWorkers',
      message: `expected at most ${MAX_WORKERS}, got ${request.maxWorkers}`,
    });
  const price = request.pricePerSecondUsd;
  if (!Number.isFinite(price) || price <= 0)
    issues.push({ path: 'pricePerSecondUsd', message: `expected a number > 0, got ${price}` });
  return [...issues, ...targetIssues(request.target, 'target')];
}

/** Predictions for every worker count from 1 to `min(maxWorkers, ceil(images / batchSize))`. */
export function planOptions(request: Omit<PlanRequest, 'target'>): PlanOption[] {
  const upper = Math.max(1, Math.min(request.maxWorkers, Math.ceil(request.images / request.batchSize)));
  const options: PlanOption[] = [];
  for (let workers = 1; workers <= upper; workers++) {
    options.push({
      workers,
      predictedCprPerMillion:
        predictCpr(request.model, workers, request.images, request.pricePerSecondUsd) * 1e6,
      predictedLatencySeconds: predictLatency(request.model, workers, request.images),
    });
  }
  return options;
}

const byLatency = (a: PlanOption, b: PlanOption): number =>
  a.predictedLatencySeconds - b.predictedLatencySeconds ||
  a.predictedCprPerMillion - b.predictedCprPerMillion ||
  a.workers - b.workers;
const byCost = (a: PlanOption, b: PlanOption): number =>
  a.predictedCprPerMillion - b.predictedCprPerMillion ||
  a.predictedLatencySeconds - b.predictedLatencySeconds ||
  a.workers - b.workers;

function best(
  options: readonly PlanOption[],
  order: (a: PlanOption, b: PlanOption) => number,
): PlanOption | undefined {
  return options.reduce<PlanOption | undefined>(
    (acc, o) => (acc === undefined || order(o, acc) < 0 ? o : acc),
    undefined,
  );
}

const secs = (s: number): string => `${s.toPrecision(4)} s`;

/**
 * Picks a worker count. Every count is scanned (no bisection: CPR need not be monotonic in
 * workers). CPR target: the fastest count whose predicted CPR is within the target. Deadline:
 * the cheapest count whose predicted latency is within the deadline. Throws a `SpecError` whose
 * `issues` name every bad field of the request (`maxWorkers`, `target.seconds`...).
 */
export function planWorkers(request: PlanRequest): Plan {
  const issues = requestIssues(request);
  if (issues.length > 0) throw new SpecError(issues, 'invalid plan request');
  const options = planOptions(request);
  const { target } = request;
  const maxWorkersConsidered = options.length;
  const meeting = meetingTarget(options, target);
  const rule =
    target.type === 'cpr'
      ? {
          meets: (o: PlanOption) => o.predictedCprPerMillion <= target.usdPerMillion,
          within: byLatency,
          closestBy: byCost,
          goal: `${formatUsd(target.usdPerMillion)} per million images`,
          closest: (o: PlanOption) =>
            `the cheapest, ${o.workers} worker(s), costs ${formatUsd(o.predictedCprPerMillion)} per million`,
        }
      : {
          meets: (o: PlanOption) => o.predictedLatencySeconds <= target.seconds,
          within: byCost,
          closestBy: byLatency,
          goal: `the ${secs(target.seconds)} deadline`,
          closest: (o: PlanOption) =>
            `the fastest, ${o.workers} worker(s), takes ${secs(o.predictedLatencySeconds)}`,
        };
  const chosen = best(options.filter(rule.meets), rule.within);
  if (chosen) return { ...chosen, feasible: true, target, maxWorkersConsidered, meeting };
  const closest = best(options, rule.closestBy)!;
  return {
    ...closest,
    feasible: false,
    target,
    maxWorkersConsidered,
    meeting,
    reason: `no worker count from 1 to ${maxWorkersConsidered} meets ${rule.goal}; ${rule.closest(closest)}`,
  };
}

/** The fields of a job that a planning policy reads and sets. */
export interface PlannableJob {
  inputs: number;
  workers: number;
  splitSize: number;
  mode: 'static' | 'dynamic';
}

/** What a planning policy needs besides the job. */
export interface PolicyOptions {
  model: CprModel;
  pricePerSecondUsd: number;
  maxWorkers: number;
  /** Images per split; default: the job's `splitSize`. */
  batchSize?: number;
  /** Called with each plan, e.g. to log it or warn when it is not feasible. */
  onPlan?: (plan: Plan, job: PlannableJob) => void;
}

/** A job policy: returns the job with its workers set (a new object; the input is not changed). */
export type JobPolicy = <J extends PlannableJob>(job: J) => J;

function policyFor(target: PlanTarget, options: PolicyOptions): JobPolicy {
  return <J extends PlannableJob>(job: J): J => {
    if (job.inputs < 1) return job;
    const plan = planWorkers({
      images: job.inputs,
      model: options.model,
      pricePerSecondUsd: options.pricePerSecondUsd,
      maxWorkers: options.maxWorkers,
      batchSize: options.batchSize ?? Math.max(1, job.splitSize),
      target,
    });
    options.onPlan?.(plan, job);
    return { ...job, workers: plan.workers };
  };
}

/** Policy `cpr`: the fastest worker count within `usdPerMillion` (the cheapest if none is). */
export function cprPolicy(usdPerMillion: number, options: PolicyOptions): JobPolicy {
  return policyFor({ type: 'cpr', usdPerMillion }, options);
}

/** Policy `deadline`: the cheapest worker count within `seconds` (the fastest if none is). */
export function deadlinePolicy(seconds: number, options: PolicyOptions): JobPolicy {
  return policyFor({ type: 'deadline', seconds }, options);
}
