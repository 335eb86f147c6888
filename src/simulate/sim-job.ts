/**
 * One simulated job: the dispatch core the job manager runs, driven by a virtual clock, with
 * simulated functions. A dynamic invocation connects as it starts, pulls a split once ready,
 * takes the profile's service time for it, sleeps its injected delay after it, returns the
 * results with its next pull, and stops when told; a worker with the `failAfterFirstSplit`
 * fault takes its second split and dies holding it. A static invocation sleeps its delay, runs
 * its chunk, and returns it (or fails after it). A cancel from the core cuts a split short, or
 * the delay after it (the results then go back late). Ticks come on the core's grid, only when
 * one can change something. A worker with the read-error fault returns passing errors for the
 * reads it picks, and the core tries those inputs again after its back-off, as in a real job.
 *
 * Inputs are anonymous (`anonymous-inputs.ts`), so that simulating a day does no work per input
 * (the read-error fault, decided per input, names them).
 */
import {
  DispatchCore,
  type AssignedSplit,
  type DispatchDecision,
  type InvocationEnd,
} from '../core/dispatch-core.js';
import type { DispatchMode } from '../core/dispatch-plan.js';
import type { WorkerFaults } from '../core/faults.js';
import type { BilledInvocation } from '../core/pricing.js';
import type { DispatchCoreOptions, ReturnedSplit } from '../core/dispatch-types.js';
import type { Split } from '../core/splitting.js';
import { anonymousKeys, anonymousReturn, namedKeys, returnWithReadErrors } from './anonymous-inputs.js';

/** What a job needs from the day around it: the event heap, the platform, service times. */
export interface SimPlatform {
  /** Runs `event` at virtual time `at` (after the events already due then). */
  schedule(at: number, event: SimEvent): void;
  /** Asks the platform to run an invocation (it calls `job.begin` once it does). */
  invoke(worker: SimWorker, now: number): void;
  /** An invocation ended: its slot (and its container, warm) is free. Not called for one never begun. */
  release(worker: SimWorker, now: number): void;
  /** Takes an invocation that has not begun out of the platform's queue. */
  withdraw(worker: SimWorker): void;
  /** Service time of a split of `inputs` inputs, drawn from the profile. */
  serviceMs(inputs: number): number;
  memoryMb: number;
  /** The job is over (every invocation ended): its capacity can go to others. */
  jobEnded(job: SimJob, now: number): void;
}

type Phase = 'queued' | 'init' | 'computing' | 'abandoned' | 'delaying' | 'ended';

/** One invocation of a simulated job. */
export interface SimWorker {
  readonly job: SimJob;
  readonly workerId: string;
  readonly faults: WorkerFaults | undefined;
  /** Static: its chunk. */
  readonly chunk: AssignedSplit | undefined;
  readonly invokedAt: number;
  begunAt: number;
  readyAt: number;
  initMs: number;
  phase: Phase;
  /** Dynamic: the split in progress. */
  split: AssignedSplit | null;
  returned: number;
  /** Bumped when its pending event is superseded (a cancel reschedules it). */
  version: number;
  event: { worker: SimWorker; version: number } | null;
}

/** A timed event: a worker's next step (valid while its version holds) or a job's tick. */
export type SimEvent = { worker: SimWorker; version: number } | { job: SimJob; tickAt: number };

const STREAM_CLOSED = 'the worker closed its stream';

/** What `worker` returns for `split`: results, with the reads its read-error fault fails. */
function returnOf(worker: SimWorker, split: AssignedSplit): ReturnedSplit {
  const readErrors = worker.faults?.readErrors;
  return readErrors ? returnWithReadErrors(split, readErrors) : anonymousReturn(split);
}

export class SimJob {
  readonly core: DispatchCore;
  readonly billed: BilledInvocation[] = [];
  status: 'running' | 'succeeded' | 'failed' = 'running';
  error: string | undefined;
  endedAt = NaN;
  /** The tick scheduled on the heap, if any. */
  tickAt: number | null = null;
  private readonly live = new Map<string, SimWorker>();
  private readonly decisions: DispatchDecision[] = [];

  constructor(
    readonly id: string,
    readonly mode: DispatchMode,
    /** Inputs of each split, in order. */
    readonly sizes: readonly number[],
    /** The settings its core runs with (another driver may run a core with the same). */
    readonly coreOptions: DispatchCoreOptions & { workerSilentTimeoutMs: number | null },
    private readonly platform: SimPlatform,
    /** Whether its inputs are named (the read-error fault decides per input), not anonymous. */
    namedInputs = false,
  ) {
    const splits: Split[] = new Array<Split>(sizes.length);
    for (let i = 0; i < sizes.length; i++) {
      const splitId = String(i);
      const inputs = sizes[i] as number;
      splits[i] = { splitId, keys: namedInputs ? namedKeys(id, splitId, inputs) : anonymousKeys(inputs) };
    }
    this.core = new DispatchCore(splits, coreOptions);
    this.core.onDecision(this.hear.bind(this));
  }

  /** Keeps a decision of the core, carried out once the core has applied its event. */
  private hear(decision: DispatchDecision): void {
    this.decisions.push(decision);
  }

  start(now: number): void {
    this.core.start(now);
    this.settle(now);
  }

  /** The platform runs the invocation: a cold one initialises first; a dynamic worker connects now. */
  begin(worker: SimWorker, now: number, initMs: number): void {
    worker.begunAt = now;
    worker.initMs = initMs;
    worker.phase = 'init';
    if (this.mode === 'dynamic') this.core.heartbeat(worker.workerId, now);
    this.platform.schedule(now + initMs, this.eventOf(worker));
    this.settle(now);
  }

  /** A worker's due event. */
  step(worker: SimWorker, now: number): void {
    switch (worker.phase) {
      case 'init':
        worker.readyAt = now;
        if (worker.chunk) {
          // Static: the injected delay comes before the chunk.
          const delay = worker.faults?.delayMsPerSplit ?? 0;
          this.compute(worker, now, delay + this.platform.serviceMs(worker.chunk.keys.length));
        } else this.pull(worker, [], now);
        break;
      case 'computing':
        if (worker.chunk) this.endChunk(worker, now);
        else if ((worker.faults?.delayMsPerSplit ?? 0) > 0) {
          worker.phase = 'delaying';
          this.platform.schedule(now + (worker.faults?.delayMsPerSplit ?? 0), this.eventOf(worker));
        } else this.returnSplit(worker, now);
        break;
      case 'delaying':
        this.returnSplit(worker, now);
        break;
      case 'abandoned':
        this.pull(worker, [], now);
        break;
      default:
        return;
    }
    this.settle(now);
  }

  /** A tick of the core's grid. */
  tick(now: number): void {
    this.tickAt = null;
    this.core.tick(now);
    this.settle(now);
  }

  /** The worker's pending event (one object per version: a cancel makes the older one stale). */
  private eventOf(worker: SimWorker): SimEvent {
    let event = worker.event;
    if (event === null || event.version !== worker.version)
      worker.event = event = { worker, version: worker.version };
    return event;
  }

  private compute(worker: SimWorker, now: number, ms: number): void {
    worker.phase = 'computing';
    this.platform.schedule(now + ms, this.eventOf(worker));
  }

  private returnSplit(worker: SimWorker, now: number): void {
    const split = worker.split as AssignedSplit;
    worker.split = null;
    worker.returned++;
    this.pull(worker, [returnOf(worker, split)], now);
  }

  private pull(worker: SimWorker, returned: Parameters<DispatchCore['pull']>[1], now: number): void {
    const answer = this.core.pull(worker.workerId, returned, 1, now);
    if (answer.wait) throw new Error(`simulated worker ${worker.workerId} was told to wait`);
    // The dispatcher acts on the results (stops, cancels) before the worker hears its answer.
    this.drain(now);
    if (worker.phase === 'ended') return;
    const [split] = answer.splits;
    if (worker.faults?.failAfterFirstSplit && worker.returned > 0)
      this.failAfterFirstSplit(worker, now, split);
    else if (split) {
      worker.split = split;
      this.compute(worker, now, this.platform.serviceMs(split.keys.length));
    } else this.end(worker, now, { ok: true });
  }

  private endChunk(worker: SimWorker, now: number): void {
    if (worker.faults?.failAfterFirstSplit) this.failAfterFirstSplit(worker, now);
    else this.end(worker, now, { ok: true, returned: [returnOf(worker, worker.chunk as AssignedSplit)] });
  }

  /** The `failAfterFirstSplit` fault: the invocation dies after its first split (holding the next, if any). */
  private failAfterFirstSplit(worker: SimWorker, now: number, holding?: AssignedSplit): void {
    const held = holding ? ` (holding split ${holding.splitId})` : '';
    const error = `injected fault: worker ${worker.workerId} fails after its first split${held}`;
    this.end(worker, now, { ok: false, error, retryable: true });
  }

  /** The invocation ends: billed from the end of its init (init billed apart), its slot freed. */
  private end(worker: SimWorker, now: number, end: InvocationEnd): void {
    const begun = worker.phase !== 'queued';
    if (begun) {
      const inInit = worker.phase === 'init';
      this.billed.push({
        billedMs: inInit ? 0 : now - worker.readyAt,
        initMs: inInit ? now - worker.begunAt : worker.initMs,
        memoryMb: this.platform.memoryMb,
      });
      this.platform.release(worker, now);
    } else this.platform.withdraw(worker);
    worker.phase = 'ended';
    worker.version++;
    this.live.delete(worker.workerId);
    if (this.mode === 'dynamic' && begun) this.core.streamClosed(worker.workerId, STREAM_CLOSED, now);
    this.core.invocationEnded(worker.workerId, end, now);
  }

  /** Carries out the core's decisions (which may bring more), then ends the job or schedules its tick. */
  private settle(now: number): void {
    this.drain(now);
    if (this.live.size === 0 && (this.core.state.isFinished() || this.core.stopReason !== null)) {
      if (this.status === 'running') this.status = 'succeeded';
      if (Number.isNaN(this.endedAt)) {
        this.endedAt = now;
        this.platform.jobEnded(this, now);
      }
      return;
    }
    const next = this.core.nextTickAt();
    if (next !== null && (this.tickAt === null || next < this.tickAt)) {
      this.tickAt = next;
      this.platform.schedule(next, { job: this, tickAt: next });
    }
  }

  private drain(now: number): void {
    for (let decision = this.decisions.shift(); decision; decision = this.decisions.shift())
      this.carryOut(decision, now);
  }

  private carryOut(decision: DispatchDecision, now: number): void {
    switch (decision.type) {
      case 'invoke':
        for (const { workerId, faults, split } of decision.workers) {
          const worker: SimWorker = {
            job: this,
            workerId,
            faults,
            chunk: split,
            invokedAt: now,
            begunAt: NaN,
            readyAt: NaN,
            initMs: 0,
            phase: 'queued',
            split: null,
            returned: 0,
            version: 0,
            event: null,
          };
          this.live.set(workerId, worker);
          this.platform.invoke(worker, now);
        }
        return;
      case 'cancel': {
        const worker = this.live.get(decision.attempt.workerId);
        const split = worker?.split;
        if (!worker || !split || split.splitId !== decision.attempt.splitId) return;
        if (split.attempt !== decision.attempt.attempt) return;
        // Cut short: a split in progress is given up; a delay after it ends and the results go back.
        if (worker.phase === 'computing') worker.phase = 'abandoned';
        if (worker.phase === 'abandoned') worker.split = null;
        worker.version++;
        this.platform.schedule(now, this.eventOf(worker));
        return;
      }
      case 'stopInvocations':
        for (const workerId of decision.workerIds)
          this.stopWorker(workerId, now, 'stopped by the job manager: every split was done');
        return;
      case 'stopJob':
        this.status = 'failed';
        this.error = `job stopped: ${decision.reason}`;
        for (const workerId of [...this.live.keys()]) this.stopWorker(workerId, now, this.error);
        return;
      default:
        return;
    }
  }

  private stopWorker(workerId: string, now: number, error: string): void {
    const worker = this.live.get(workerId);
    if (worker) this.end(worker, now, { ok: false, error, retryable: false });
  }
}
