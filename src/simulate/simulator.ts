/**
 * A discrete-event simulation of a day of jobs (pure; virtual time in ms). Admission goes through
 * the same {@link AdmissionQueue} the orchestrator drives, so provisioner caps, correction,
 * policies and queue order are the real code; each job's dispatch is the same
 * {@link DispatchCore} the job manager runs (see {@link SimJob}), so chunking, split pulling,
 * retries, speculative copies, replacement workers and injected faults are the real code too.
 * Functions follow a {@link FunctionProfile}:
 *
 * - an admitted job invokes the workers its core plans (static: one per chunk; dynamic: those it
 *   was granted, at most one per split, as the job manager does); an invocation beyond the
 *   platform's `concurrencyLimit` waits (FIFO) for a running one to end, as a throttled retry would;
 * - a cold invocation spends `initSeconds` first (with `keepWarmSeconds`, a recent container is reused);
 * - a split of `k` inputs takes `perSplitOverheadSeconds + k x secondsPerImage`, drawn per split
 *   with `serviceTimeCv` (so stragglers happen);
 * - a job ends when its last invocation ends; it then releases its capacity.
 *
 * Each invocation is billed from the end of init to its end (plus init, as Lambda bills it),
 * through {@link summarizeCost}. With the read-error fault, a split's passing read errors are
 * tried again by the core after its back-off (on the virtual clock): the retry attempts run
 * only those inputs, take their service time and are billed as any other; an input whose read
 * fails takes its full per-image time (the storage client's own retries spend it).
 */
import type { DispatchMode } from '../core/dispatch-plan.js';
import { FaultInjector, readErrorFaultOf, type FaultPolicy } from '../core/faults.js';
import { summarizeCost, type PriceModel } from '../core/pricing.js';
import { Random } from '../core/random.js';
import {
  AdmissionQueue,
  type AdmissionOptions,
  type Admission,
  type QueuedJob,
} from '../orchestrator/admission-queue.js';
import { compileDispatch } from '../spec/compile-dispatch.js';
import { DEFAULT_MAX_RETRIES } from '../spec/defaults.js';
import { dispatchCoreSettings, withinGrant } from '../spec/dispatch-core-options.js';
import type { DispatchSpec } from '../spec/types.js';
import { planSplits, plannedInvocationCount } from '../job-plan/plan-job.js';
import type { DayJobOutcome } from '../trace/day-report.js';
import { EventHeap } from './event-heap.js';
import type { FunctionProfile } from './profile.js';
import { SimJob, type SimEvent, type SimPlatform, type SimWorker } from './sim-job.js';

/** A job to simulate: its shape, an id, when it arrives, and trace details to carry along. */
export interface SimJobRequest extends QueuedJob {
  arrivalMs: number;
  line?: number;
  datasetId?: string;
  traceOffsetSeconds?: number;
}

export interface SimulationOptions extends AdmissionOptions {
  profile: FunctionProfile;
  /** Seed for per-split variance (default 1). */
  seed?: number;
  /** The dispatch of each mode, as a job spec resolves it (retries, speculation); default: a spec's with no options. */
  dispatch?: Partial<Record<DispatchMode, DispatchSpec>>;
  /** Static mode: tries of a failed chunk after the first (default: a spec's). */
  maxRetries?: number;
  /** Faults injected into each job's workers, decided as the job manager decides them. */
  faults?: FaultPolicy;
  /** Hears each job as it starts (to observe its dispatch core). */
  onJobStart?: (job: SimJob) => void;
}

/** What happened overall, besides the per-job outcomes. */
export interface SimulationStats {
  events: number;
  /** Function invocations that ran (and were billed). */
  invocations: number;
  coldStarts: number;
  /** Invocations that had to wait for the platform's concurrency limit. */
  throttledInvocations: number;
  throttledSeconds: number;
  /** Most workers granted at once (the provisioner's count). */
  peakGrantedWorkers: number;
  /** Most function invocations running at once (the platform's count). */
  peakPlatformConcurrency: number;
  /** Virtual time from the first arrival to the last job's end. */
  virtualSeconds: number;
}

export interface SimulationResult {
  /** One outcome per job, in arrival order. */
  jobs: DayJobOutcome[];
  stats: SimulationStats;
}

interface JobEntry {
  req: SimJobRequest;
  mode: DispatchMode;
  requestedWorkers: number;
  workers: number;
  splitSize: number;
  startedAt: number;
  /** Once the job ended (its core is dropped then: a day holds thousands of jobs). */
  outcome: DayJobOutcome | null;
}

/** What the day report keeps of a job that ended. */
function outcomeOf(entry: JobEntry, job: SimJob, prices: PriceModel): DayJobOutcome {
  const { req } = entry;
  const counts = job.core.counts();
  return {
    id: req.id,
    status: job.status === 'failed' ? 'failed' : 'succeeded',
    ...(job.error !== undefined ? { error: job.error } : {}),
    images: req.inputs,
    mode: entry.mode,
    requestedWorkers: entry.requestedWorkers,
    workers: entry.workers,
    splitSize: entry.splitSize,
    submittedAtMs: req.arrivalMs,
    startedAtMs: entry.startedAt,
    endedAtMs: job.endedAt,
    cost: summarizeCost(job.billed, req.inputs, prices),
    invocations: job.billed.length,
    dispatch: {
      failedInvocations: counts.failedInvocations,
      retries: counts.retries,
      copies: counts.copies,
      inputRetries: counts.inputRetries,
    },
    ...(req.line !== undefined ? { line: req.line } : {}),
    ...(req.datasetId !== undefined ? { datasetId: req.datasetId } : {}),
    ...(req.traceOffsetSeconds !== undefined ? { traceOffsetSeconds: req.traceOffsetSeconds } : {}),
  };
}

export function simulate(requests: readonly SimJobRequest[], options: SimulationOptions): SimulationResult {
  const profile = options.profile;
  const queue = new AdmissionQueue<SimJobRequest>(options);
  const heap = new EventHeap<SimEvent>();
  const rng = new Random(options.seed ?? 1);
  const cv = profile.serviceTimeCv;
  const sigma = Math.sqrt(Math.log(1 + cv * cv));
  const perImageMs = profile.secondsPerImage * 1000;
  const overheadMs = profile.perSplitOverheadSeconds * 1000;
  const initMs = profile.initSeconds * 1000;
  const keepWarmMs = profile.keepWarmSeconds * 1000;
  const namedInputs = options.faults !== undefined && readErrorFaultOf(options.faults) !== undefined;
  const specs: Record<DispatchMode, DispatchSpec> = {
    static: options.dispatch?.static ?? compileDispatch('static', {}, []),
    dynamic: options.dispatch?.dynamic ?? compileDispatch('dynamic', {}, []),
  };
  const maxRetries = options.maxRetries ?? DEFAULT_MAX_RETRIES;
  const caps = queue.provisioner.caps;

  const arrivals = [...requests].sort((a, b) => a.arrivalMs - b.arrivalMs);
  const entries = new Map<string, JobEntry>();
  const waiting: SimWorker[] = [];
  let waitingHead = 0;
  const warmSince: number[] = [];
  let platformActive = 0;
  const stats: SimulationStats = {
    events: 0,
    invocations: 0,
    coldStarts: 0,
    throttledInvocations: 0,
    throttledSeconds: 0,
    peakGrantedWorkers: 0,
    peakPlatformConcurrency: 0,
    virtualSeconds: 0,
  };

  const begin = (w: SimWorker, now: number): void => {
    platformActive++;
    stats.invocations++;
    if (platformActive > stats.peakPlatformConcurrency) stats.peakPlatformConcurrency = platformActive;
    if (now > w.invokedAt) {
      stats.throttledInvocations++;
      stats.throttledSeconds += (now - w.invokedAt) / 1000;
    }
    let cold = true;
    if (keepWarmMs > 0 && warmSince.length > 0) {
      if (now - (warmSince[warmSince.length - 1] as number) <= keepWarmMs) {
        warmSince.pop();
        cold = false;
      } else warmSince.length = 0; // the most recent is stale, so are the older ones
    }
    if (cold) stats.coldStarts++;
    w.job.begin(w, now, cold ? initMs : 0);
  };

  const platform: SimPlatform = {
    schedule: (at, event) => heap.push(at, event),
    invoke(w, now) {
      if (platformActive < profile.concurrencyLimit && waitingHead === waiting.length) begin(w, now);
      else waiting.push(w);
    },
    release(_w, now) {
      platformActive--;
      if (keepWarmMs > 0) warmSince.push(now);
      while (waitingHead < waiting.length && platformActive < profile.concurrencyLimit) {
        const next = waiting[waitingHead++] as SimWorker;
        if (next.phase === 'queued') begin(next, now);
      }
      if (waitingHead > 4096 && waitingHead * 2 > waiting.length) {
        waiting.splice(0, waitingHead);
        waitingHead = 0;
      }
    },
    withdraw() {
      // Left in the queue, skipped when its turn comes (its phase is no longer 'queued').
    },
    serviceMs(inputs) {
      const base = overheadMs + inputs * perImageMs;
      return cv > 0 ? base * Math.exp(rng.normal(-0.5 * sigma * sigma, sigma)) : base;
    },
    memoryMb: profile.memoryMb,
    jobEnded(job, now) {
      const entry = entries.get(job.id) as JobEntry;
      entry.outcome = outcomeOf(entry, job, profile.prices);
      queue.release(job.id);
      admit(now);
    },
  };

  /** One admitted job: its splits, the workers its core plans, its faults, as the job manager has them. */
  const startJob = (a: Admission<SimJobRequest>, now: number): SimJob => {
    const mode = a.shaped.mode;
    const { workers, dispatch } = withinGrant(a.grant.workers, specs[mode]);
    const splits = planSplits({ dispatch, workers, splitSize: a.grant.splitSize }, a.job.inputs);
    const planned = plannedInvocationCount({ dispatch, workers }, splits.length, caps.maxWorkers);
    const injector = options.faults ? new FaultInjector(options.faults, planned) : null;
    const job = new SimJob(
      a.job.id,
      mode,
      splits.map((split) => split.inputs),
      {
        ...dispatchCoreSettings(dispatch, maxRetries),
        // Simulated functions heartbeat as long as they run: none goes silent.
        workerSilentTimeoutMs: null,
        ...(mode === 'dynamic' ? { plannedWorkers: planned } : {}),
        ...(injector ? { faultsFor: (workerId: string) => injector.faultsFor(workerId) } : {}),
      },
      platform,
      namedInputs,
    );
    options.onJobStart?.(job);
    job.start(now);
    return job;
  };

  const admit = (now: number): void => {
    for (const a of queue.admit(now)) {
      const entry = entries.get(a.job.id) as JobEntry;
      entry.startedAt = now;
      entry.mode = a.shaped.mode;
      entry.requestedWorkers = a.shaped.workers;
      entry.workers = a.grant.workers;
      entry.splitSize = a.grant.splitSize;
      if (queue.provisioner.runningWorkers > stats.peakGrantedWorkers)
        stats.peakGrantedWorkers = queue.provisioner.runningWorkers;
      startJob(a, now);
    }
  };

  let next = 0;
  let now = arrivals[0]?.arrivalMs ?? 0;
  const firstArrival = now;
  while (next < arrivals.length || heap.size > 0) {
    const arrival = arrivals[next];
    if (arrival && arrival.arrivalMs < heap.peekTime()) {
      now = arrival.arrivalMs;
      next++;
      stats.events++;
      const shaped = queue.enqueue(arrival, now);
      entries.set(arrival.id, {
        req: arrival,
        mode: shaped.mode,
        requestedWorkers: shaped.workers,
        workers: 0,
        splitSize: shaped.splitSize,
        startedAt: NaN,
        outcome: null,
      });
      admit(now);
      continue;
    }
    const event = heap.pop() as SimEvent;
    now = heap.lastTime;
    if ('worker' in event) {
      if (event.version !== event.worker.version || event.worker.phase === 'ended') continue;
      stats.events++;
      event.worker.job.step(event.worker, now);
    } else {
      if (event.job.tickAt !== event.tickAt || event.job.status !== 'running') continue;
      stats.events++;
      event.job.tick(now);
    }
  }
  if (queue.queued > 0 || queue.running > 0)
    throw new Error(`simulation ended with ${queue.queued} job(s) queued and ${queue.running} running`);
  stats.virtualSeconds = (now - firstArrival) / 1000;

  const jobs = arrivals.map((req) => (entries.get(req.id) as JobEntry).outcome as DayJobOutcome);
  return { jobs, stats };
}
