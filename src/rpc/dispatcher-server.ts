/**
 * The split dispatcher of a dynamic job: a gRPC server around the pure `SplitState`. Each
 * worker keeps one bidirectional stream (`Work`) open; pulls and heartbeats are messages on it.
 * Calls must carry the job token; the server binds 127.0.0.1 on an ephemeral port by default.
 */
import * as grpc from '@grpc/grpc-js';
import type { SpeculationPolicy } from '../core/speculation.js';
import {
  DEFAULT_SPECULATION_INTERVAL_MS,
  speculationDecisions,
  speculationPolicy,
} from '../core/speculation.js';
import { type Assignment, type AttemptRef, type FailureEffects, SplitState } from '../core/split-state.js';
import type { Split } from '../core/splitting.js';
import type {
  DispatcherCounters,
  DispatcherHooks,
  DispatcherServerOptions,
  WorkerLostEvent,
} from './dispatcher-options.js';
import { newJobToken, tokenProblem, workerIdFrom } from './auth.js';
import {
  DEFAULT_DISPATCHER_HOST,
  DEFAULT_MAX_MESSAGE_BYTES,
  DEFAULT_TICK_MS,
  DEFAULT_WORKER_SILENT_TIMEOUT_MS,
} from './defaults.js';
import {
  attemptKindToWire,
  dispatcherService,
  parseWorkerMessage,
  ResultStatus,
  type WireDispatcherMessage,
  type WireFinishedStatus,
  type WireSplitToRun,
  type WireWorkerMessage,
} from './wire.js';

export type * from './dispatcher-options.js';

/** A pull waiting for work to appear. */
interface PendingPull {
  requestId: number;
  maxSplits: number;
  statuses: WireFinishedStatus[];
}

interface Session {
  workerId: string;
  call: grpc.ServerDuplexStream<WireWorkerMessage, WireDispatcherMessage>;
  pending: PendingPull | null;
  closed: boolean;
}

export class DispatcherServer {
  readonly token: string;
  readonly state: SplitState;
  readonly counters: DispatcherCounters = {
    streams: 0,
    unauthenticated: 0,
    invalidMetadata: 0,
    malformed: 0,
    protocolErrors: 0,
  };
  private readonly server: grpc.Server;
  private readonly sessions = new Map<string, Session>();
  private readonly waiting = new Set<Session>();
  private readonly clock: { now(): number };
  private readonly hooks: DispatcherHooks;
  private readonly speculation: (SpeculationPolicy & { intervalMs: number }) | null;
  private readonly silentTimeoutMs: number;
  private timer: NodeJS.Timeout | null = null;
  private lastSpeculationAt = -Infinity;
  private extraWorkers = 0;
  private starvedSignalled = false;
  private bound: { host: string; port: number } | null = null;
  private readonly finished: Promise<void>;
  private settle!: { resolve: () => void; reject: (err: unknown) => void };
  private finishNotified = false;
  private hookFailed = false;

  constructor(
    splits: readonly Split[],
    private readonly options: DispatcherServerOptions = {},
  ) {
    this.token = options.token ?? newJobToken();
    this.state = new SplitState(splits, {
      maxSplitRetries: options.maxSplitRetries,
      idleWorkers: options.idleWorkers,
      stopOutpacedWorkers: options.stopOutpacedWorkers,
    });
    this.clock = options.clock ?? { now: Date.now };
    this.hooks = options.hooks ?? {};
    this.silentTimeoutMs = options.workerSilentTimeoutMs ?? DEFAULT_WORKER_SILENT_TIMEOUT_MS;
    const spec = options.speculation;
    this.speculation = spec
      ? {
          ...speculationPolicy(this.state.maxSplitRetries, spec),
          intervalMs: spec.intervalMs ?? DEFAULT_SPECULATION_INTERVAL_MS,
        }
      : null;
    this.finished = new Promise<void>((resolve, reject) => (this.settle = { resolve, reject }));
    this.finished.catch(() => undefined);
    const maxBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    this.server = new grpc.Server({
      'grpc.max_receive_message_length': maxBytes,
      'grpc.max_send_message_length': maxBytes,
    });
    this.server.addService(dispatcherService().service, { Work: this.handleWork });
  }

  /** Binds and starts serving; resolves to the bound address. */
  async start(): Promise<{ host: string; port: number }> {
    const host = this.options.host ?? DEFAULT_DISPATCHER_HOST;
    const target = `${host.includes(':') ? `[${host}]` : host}:${this.options.port ?? 0}`;
    const port = await new Promise<number>((resolve, reject) =>
      this.server.bindAsync(target, grpc.ServerCredentials.createInsecure(), (err, bound) =>
        err
          ? reject(new Error(`the dispatcher cannot listen on ${target}: ${err.message}`, { cause: err }))
          : resolve(bound),
      ),
    );
    this.bound = { host, port };
    if (this.options.autoTick !== false) {
      this.timer = setInterval(() => this.tick(), this.options.tickMs ?? DEFAULT_TICK_MS);
      this.timer.unref();
    }
    if (this.state.isFinished()) this.afterChange();
    return this.bound;
  }

  get address(): { host: string; port: number } | null {
    return this.bound;
  }

  /** Resolves once every split is done; rejects if a hook threw. */
  whenFinished(): Promise<void> {
    return this.finished;
  }

  /** The caller reports a worker whose invocation failed: its running split is retried or failed. */
  workerFailed(workerId: string, reason: string): void {
    this.lose(workerId, 'failed', reason);
    this.afterChange();
  }

  /** Gives up silent workers and makes speculative copies; runs on a timer unless `autoTick` is false. */
  tick(now = this.clock.now()): void {
    for (const expired of this.state.expireSilentWorkers(now, this.silentTimeoutMs)) {
      this.reportLost(
        expired.workerId,
        'silent',
        `no heartbeat for ${Math.round(expired.silentForMs)} ms`,
        expired.effects,
      );
    }
    const spec = this.speculation;
    if (spec && !this.state.isFinished() && now - this.lastSpeculationAt >= spec.intervalMs) {
      this.lastSpeculationAt = now;
      const decision = speculationDecisions(this.state, now, spec, this.extraWorkers);
      for (const copy of decision.copies)
        if (this.state.addCopy(copy.splitId)) this.hook(() => this.hooks.onCopy?.(copy));
      if (decision.extraWorkers > 0) {
        this.extraWorkers += decision.extraWorkers;
        this.hook(() => this.hooks.onWorkersWanted?.({ count: decision.extraWorkers, reason: 'copy' }));
      }
    }
    this.afterChange();
  }

  /** Stops serving: open streams are cancelled. */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    for (const session of this.sessions.values()) session.closed = true;
    this.sessions.clear();
    this.waiting.clear();
    this.server.forceShutdown();
  }

  private readonly handleWork = (
    call: grpc.ServerDuplexStream<WireWorkerMessage, WireDispatcherMessage>,
  ): void => {
    const authProblem = tokenProblem(call.metadata, this.token);
    if (authProblem !== null) {
      this.counters.unauthenticated++;
      call.emit('error', { code: grpc.status.UNAUTHENTICATED, details: authProblem });
      return;
    }
    const id = workerIdFrom(call.metadata);
    if ('problem' in id) {
      this.counters.invalidMetadata++;
      call.emit('error', { code: grpc.status.INVALID_ARGUMENT, details: id.problem });
      return;
    }
    const session: Session = { workerId: id.workerId, call, pending: null, closed: false };
    // A second stream under the same worker id replaces the first; the splits it held are retried.
    const previous = this.sessions.get(id.workerId);
    if (previous)
      this.endSession(previous, grpc.status.ALREADY_EXISTS, 'replaced by a newer stream of the same worker');
    this.sessions.set(id.workerId, session);
    this.counters.streams++;
    call.sendMetadata(new grpc.Metadata());
    this.state.heartbeat(id.workerId, this.clock.now());
    call.on('data', (message: WireWorkerMessage) => this.onMessage(session, message));
    call.on('end', () => this.onClosed(session, 'the worker closed its stream'));
    call.on('cancelled', () => this.onClosed(session, 'the connection was cancelled or lost'));
    call.on('error', (err: Error) => this.onClosed(session, `stream error: ${err.message}`));
    call.on('close', () => this.onClosed(session, 'the stream closed'));
  };

  private onMessage(session: Session, message: WireWorkerMessage): void {
    if (session.closed) return;
    const request = parseWorkerMessage(message);
    const now = this.clock.now();
    if (request.type === 'heartbeat') {
      this.state.heartbeat(session.workerId, now);
      return;
    }
    if (request.type === 'malformed') {
      this.counters.malformed++;
      this.endSession(session, grpc.status.INVALID_ARGUMENT, request.problem);
      return;
    }
    if (session.pending !== null) {
      this.counters.protocolErrors++;
      this.endSession(session, grpc.status.FAILED_PRECONDITION, 'a pull is already waiting for its answer');
      return;
    }
    const statuses: WireFinishedStatus[] = [];
    for (const { splitId, attempt, results } of request.finished) {
      const outcome = this.state.complete(session.workerId, splitId, results, now, attempt);
      if (outcome.type === 'accepted') {
        statuses.push({ splitId, status: ResultStatus.accepted, detail: '' });
        this.hook(() => this.hooks.onSplitDone?.(outcome.split));
        this.cancelSuperseded(outcome.superseded);
      } else {
        statuses.push({ splitId, status: ResultStatus[outcome.type], detail: outcome.reason });
        if (outcome.type === 'rejected') this.applyEffects(outcome.effects);
      }
    }
    this.answer(session, { requestId: request.requestId, maxSplits: request.maxSplits, statuses });
    this.afterChange();
  }

  /** Answers a pull with up to `maxSplits` splits or stop, or parks it until work appears. */
  private answer(session: Session, pull: PendingPull): void {
    const now = this.clock.now();
    const splits: WireSplitToRun[] = [];
    let last: Assignment | null = null;
    while (splits.length < pull.maxSplits) {
      const next = this.state.assign(session.workerId, now);
      if (next.type !== 'split') {
        last = next;
        break;
      }
      const { splitId, attempt, kind, keys } = next;
      splits.push({ splitId, attempt, kind: attemptKindToWire(kind), keys: keys as string[] });
    }
    if (splits.length === 0 && last?.type === 'wait') {
      session.pending = pull;
      this.waiting.add(session);
      return;
    }
    session.pending = null;
    this.waiting.delete(session);
    if (splits.length > 0) this.starvedSignalled = false;
    session.call.write({ assignment: { requestId: pull.requestId, splits, finished: pull.statuses } });
  }

  private afterChange(): void {
    if (this.state.isFinished() && !this.finishNotified) {
      this.finishNotified = true;
      this.hook(() => this.hooks.onFinished?.());
      this.settle.resolve();
    }
    if (this.waiting.size > 0 && (this.state.isFinished() || this.state.progress().queued > 0)) {
      for (const session of [...this.waiting]) {
        if (!this.state.isFinished() && this.state.progress().queued === 0) break;
        if (session.pending) this.answer(session, session.pending);
      }
    }
  }

  private onClosed(session: Session, reason: string): void {
    if (session.closed) return;
    session.closed = true;
    this.waiting.delete(session);
    if (this.sessions.get(session.workerId) !== session) return;
    this.sessions.delete(session.workerId);
    if (session.call.writable) session.call.end();
    this.lose(session.workerId, 'disconnected', reason);
    this.afterChange();
  }

  private endSession(session: Session, code: grpc.status, details: string): void {
    const wasLive = !session.closed;
    session.closed = true;
    this.waiting.delete(session);
    session.call.emit('error', { code, details });
    if (wasLive && this.sessions.get(session.workerId) === session) {
      this.sessions.delete(session.workerId);
      this.lose(session.workerId, 'disconnected', `stream refused: ${details}`);
      this.afterChange();
    }
  }

  /** Gives up a worker's running attempts, if it has any. */
  private lose(workerId: string, kind: WorkerLostEvent['kind'], reason: string): void {
    if ((this.state.worker(workerId)?.running.length ?? 0) === 0) return;
    const effects = this.state.workerFailed(workerId, this.clock.now(), reason);
    this.reportLost(workerId, kind, reason, effects);
  }

  private reportLost(
    workerId: string,
    kind: WorkerLostEvent['kind'],
    reason: string,
    effects: FailureEffects,
  ): void {
    const event = {
      workerId,
      kind,
      reason,
      requeued: effects.requeued,
      failed: effects.failed.map((s) => s.splitId),
    };
    this.hook(() => this.hooks.onWorkerLost?.(event));
    this.applyEffects(effects);
  }

  private applyEffects(effects: FailureEffects): void {
    for (const split of effects.failed) this.hook(() => this.hooks.onSplitDone?.(split));
    if (effects.requeued.length === 0 || this.starvedSignalled) return;
    const progress = this.state.progress();
    if (progress.runningAttempts === 0 && this.waiting.size === 0) {
      this.starvedSignalled = true;
      this.hook(() => this.hooks.onWorkersWanted?.({ count: progress.queued, reason: 'starved' }));
    }
  }

  private cancelSuperseded(attempts: readonly AttemptRef[]): void {
    for (const attempt of attempts) {
      const session = this.sessions.get(attempt.workerId);
      if (!session || session.closed) continue;
      session.call.write({
        cancel: {
          splitId: attempt.splitId,
          attempt: attempt.attempt,
          reason: 'another attempt of this split finished first',
        },
      });
    }
  }

  /** Runs a hook; one that throws fails the job (`whenFinished()` rejects) instead of the stream. */
  private hook(run: () => void): void {
    try {
      run();
    } catch (err) {
      if (!this.hookFailed) {
        this.hookFailed = true;
        this.settle.reject(err);
      }
    }
  }
}
