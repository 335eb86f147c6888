/**
 * A discrete-event simulation of a day of jobs (pure; virtual time in ms). Admission goes through
 * the same {@link AdmissionQueue} the orchestrator drives, so provisioner caps, correction,
 * policies and queue order are the real code. Functions follow a {@link FunctionProfile}:
 *
 * - each admitted job invokes all its granted workers at once; an invocation beyond the
 *   platform's `concurrencyLimit` waits (FIFO) for a running one to end, as a throttled retry would;
 * - a cold invocation spends `initSeconds` first;
 * - dynamic jobs: workers pull splits of `splitSize` one at a time until none is left (one event
 *   per split, so per-split variance produces stragglers); static jobs: each worker processes
 *   its chunk (inputs cut into `workers` near-equal chunks) as one unit;
 * - a job ends when its last worker ends; it then releases its capacity.
 *
 * Each invocation is billed from the end of init to its end (plus init, as Lambda bills it),
 * through {@link summarizeCost}.
 */
import { summarizeCost, type BilledInvocation } from '../core/pricing.js';
import { Random } from '../core/random.js';
import { AdmissionQueue, type AdmissionOptions, type QueuedJob } from '../orchestrator/admission-queue.js';
import type { DayJobOutcome } from '../trace/day-report.js';
import { EventHeap } from './event-heap.js';
import type { FunctionProfile } from './profile.js';

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
}

/** What happened overall, besides the per-job outcomes. */
export interface SimulationStats {
  events: number;
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

interface SimJob {
  req: SimJobRequest;
  mode: SimJobRequest['mode'];
  requestedWorkers: number;
  workers: number;
  splitSize: number;
  startedAt: number;
  nextSplit: number;
  totalSplits: number;
  liveWorkers: number;
  invocations: BilledInvocation[];
  endedAt: number;
}

interface Worker {
  job: SimJob;
  index: number;
  invokedAt: number;
  readyAt: number;
  initMs: number;
  /** Images of the split in progress. */
  busyWith: number;
  staticDone: boolean;
  /** The one event a worker has pending at a time (so the worker itself is the heap item). */
  next: typeof READY | typeof SPLIT_DONE;
}

const READY = 0;
const SPLIT_DONE = 1;

export function simulate(requests: readonly SimJobRequest[], options: SimulationOptions): SimulationResult {
  const profile = options.profile;
  const queue = new AdmissionQueue<SimJobRequest>(options);
  const heap = new EventHeap<Worker>();
  const rng = new Random(options.seed ?? 1);
  const cv = profile.serviceTimeCv;
  const sigma = Math.sqrt(Math.log(1 + cv * cv));
  const perImageMs = profile.secondsPerImage * 1000;
  const overheadMs = profile.perSplitOverheadSeconds * 1000;
  const initMs = profile.initSeconds * 1000;
  const keepWarmMs = profile.keepWarmSeconds * 1000;

  const arrivals = [...requests].sort((a, b) => a.arrivalMs - b.arrivalMs);
  const simJobs = new Map<string, SimJob>();
  const waiting: Worker[] = [];
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

  const serviceMs = (images: number): number => {
    const base = overheadMs + images * perImageMs;
    return cv > 0 ? base * Math.exp(rng.normal(-0.5 * sigma * sigma, sigma)) : base;
  };

  const begin = (w: Worker, now: number): void => {
    platformActive++;
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
    w.initMs = cold ? initMs : 0;
    if (cold) stats.coldStarts++;
    w.next = READY;
    heap.push(now + w.initMs, w);
  };

  const work = (w: Worker, now: number): void => {
    const job = w.job;
    if (job.mode === 'dynamic') {
      if (job.nextSplit < job.totalSplits) {
        const first = job.nextSplit++ * job.splitSize;
        w.busyWith = Math.min(job.splitSize, job.req.inputs - first);
        w.next = SPLIT_DONE;
        heap.push(now + serviceMs(w.busyWith), w);
        return;
      }
    } else if (!w.staticDone) {
      w.staticDone = true;
      const base = Math.floor(job.req.inputs / job.workers);
      w.busyWith = base + (w.index < job.req.inputs - base * job.workers ? 1 : 0);
      if (w.busyWith > 0) {
        w.next = SPLIT_DONE;
        heap.push(now + serviceMs(w.busyWith), w);
        return;
      }
    }
    finishWorker(w, now);
  };

  const finishWorker = (w: Worker, now: number): void => {
    const job = w.job;
    job.invocations.push({ billedMs: now - w.readyAt, initMs: w.initMs, memoryMb: profile.memoryMb });
    platformActive--;
    if (keepWarmMs > 0) warmSince.push(now);
    if (waitingHead < waiting.length) {
      begin(waiting[waitingHead++] as Worker, now);
      if (waitingHead > 4096 && waitingHead * 2 > waiting.length) {
        waiting.splice(0, waitingHead);
        waitingHead = 0;
      }
    }
    if (--job.liveWorkers === 0) {
      job.endedAt = now;
      queue.release(job.req.id);
      admit(now);
    }
  };

  const admit = (now: number): void => {
    for (const a of queue.admit(now)) {
      const job = simJobs.get(a.job.id) as SimJob;
      job.startedAt = now;
      job.mode = a.shaped.mode;
      job.requestedWorkers = a.shaped.workers;
      job.workers = a.grant.workers;
      job.splitSize = a.grant.splitSize;
      job.totalSplits = Math.ceil(a.job.inputs / a.grant.splitSize);
      job.liveWorkers = a.grant.workers;
      for (let i = 0; i < a.grant.workers; i++) {
        const w: Worker = {
          job,
          index: i,
          invokedAt: now,
          readyAt: now,
          initMs: 0,
          busyWith: 0,
          staticDone: false,
          next: READY,
        };
        stats.invocations++;
        if (platformActive < profile.concurrencyLimit && waitingHead === waiting.length) begin(w, now);
        else waiting.push(w);
      }
    }
    if (queue.provisioner.runningWorkers > stats.peakGrantedWorkers)
      stats.peakGrantedWorkers = queue.provisioner.runningWorkers;
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
      simJobs.set(arrival.id, {
        req: arrival,
        mode: shaped.mode,
        requestedWorkers: shaped.workers,
        workers: 0,
        splitSize: shaped.splitSize,
        startedAt: NaN,
        nextSplit: 0,
        totalSplits: 0,
        liveWorkers: 0,
        invocations: [],
        endedAt: NaN,
      });
      admit(now);
      continue;
    }
    const w = heap.pop() as Worker;
    now = heap.lastTime;
    stats.events++;
    if (w.next === READY) w.readyAt = now;
    work(w, now);
  }
  if (queue.queued > 0 || queue.running > 0)
    throw new Error(`simulation ended with ${queue.queued} job(s) queued and ${queue.running} running`);
  stats.virtualSeconds = (now - firstArrival) / 1000;

  const jobs = arrivals.map((req): DayJobOutcome => {
    const j = simJobs.get(req.id) as SimJob;
    return {
      id: req.id,
      status: 'succeeded',
      images: req.inputs,
      mode: j.mode,
      requestedWorkers: j.requestedWorkers,
      workers: j.workers,
      splitSize: j.splitSize,
      submittedAtMs: req.arrivalMs,
      startedAtMs: j.startedAt,
      endedAtMs: j.endedAt,
      cost: summarizeCost(j.invocations, req.inputs, profile.prices),
      ...(req.line !== undefined ? { line: req.line } : {}),
      ...(req.datasetId !== undefined ? { datasetId: req.datasetId } : {}),
      ...(req.traceOffsetSeconds !== undefined ? { traceOffsetSeconds: req.traceOffsetSeconds } : {}),
    };
  });
  return { jobs, stats };
}
