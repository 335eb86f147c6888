/**
 * The split dispatcher of a dynamic job: a gRPC server that carries the dispatch core's
 * decisions to workers' streams and their messages to the core, with the job's clock (the
 * steady clock unless given another). Each worker keeps one bidirectional stream (`Work`) open;
 * pulls and heartbeats are messages on it. Each stream must carry the credential of its worker,
 * issued for one invocation and void once it has ended (`auth.ts`); the server binds 127.0.0.1
 * on an ephemeral port by default, and speaks TLS when given a certificate (`dispatcher-tls.ts`).
 *
 * The dispatch semantics (assignments, retries, parked pulls, silent workers, speculative
 * copies, starvation) are the core's ({@link DispatchCore}); this file is transport: auth,
 * sessions, wire messages, and a timer that ticks the core.
 */
import * as grpc from '@grpc/grpc-js';
import { DispatchCore, type DispatchDecision } from '../core/dispatch-core.js';
import type { SplitState } from '../core/split-state.js';
import type { Split } from '../core/splitting.js';
import {
  hookOf,
  type DispatcherCounters,
  type DispatcherHooks,
  type DispatcherServerOptions,
} from './dispatcher-options.js';
import { authenticateWorker, newJobToken, workerCredential } from './auth.js';
import { DEFAULT_DISPATCHER_HOST, DEFAULT_MAX_MESSAGE_BYTES } from './defaults.js';
import { serverCredentials } from './dispatcher-tls.js';
import { standaloneCore } from './standalone-core.js';
import {
  dispatcherService,
  parseWorkerMessage,
  toWireSplits,
  toWireStatus,
  type WireDispatcherMessage,
  type WireFinishedStatus,
  type WireWorkerMessage,
} from './wire.js';
import { steadyClock } from '../util/steady-clock.js';
import { joinHostPort } from '../util/loopback.js';

export type * from './dispatcher-options.js';

/** A pull waiting for work to appear: the core answers it later. */
interface PendingPull {
  requestId: number;
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
  /** The dispatch core this server carries to the workers. */
  readonly core: DispatchCore;
  readonly counters: DispatcherCounters = {
    streams: 0,
    unauthenticated: 0,
    invalidMetadata: 0,
    malformed: 0,
    protocolErrors: 0,
  };
  private readonly server: grpc.Server;
  private readonly sessions = new Map<string, Session>();
  /** Workers whose credential was issued and whose invocation has not ended. */
  private readonly live = new Set<string>();
  private readonly clock: { now(): number };
  private readonly hooks: DispatcherHooks;
  /** Whether this server made its core (and starts it): a standalone dispatcher. */
  private readonly ownsCore: boolean;
  private timer: NodeJS.Timeout | null = null;
  private bound: { host: string; port: number } | null = null;
  private readonly finished: Promise<void>;
  private settle!: { resolve: () => void; reject: (err: unknown) => void };
  private hookFailed = false;

  /**
   * A dispatcher for `splits` (it makes and starts its own core from `options`), or the
   * transport of a `core` made and started by the job manager (the dispatch settings of
   * `options` are then the core's, not these).
   */
  constructor(
    source: readonly Split[] | DispatchCore,
    private readonly options: DispatcherServerOptions = {},
  ) {
    this.token = options.token ?? newJobToken();
    this.ownsCore = !(source instanceof DispatchCore);
    this.core = source instanceof DispatchCore ? source : standaloneCore(source, options);
    this.clock = options.clock ?? steadyClock;
    this.hooks = options.hooks ?? {};
    this.finished = new Promise<void>((resolve, reject) => (this.settle = { resolve, reject }));
    this.finished.catch(() => undefined);
    this.core.onDecision(this.carryOut);
    const maxBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    this.server = new grpc.Server({
      'grpc.max_receive_message_length': maxBytes,
      'grpc.max_send_message_length': maxBytes,
    });
    this.server.addService(dispatcherService().service, { Work: this.handleWork });
  }

  /** The core's split state machine. */
  get state(): SplitState {
    return this.core.state;
  }

  /** Binds and starts serving; resolves to the bound address. */
  async start(): Promise<{ host: string; port: number }> {
    const host = this.options.host ?? DEFAULT_DISPATCHER_HOST;
    const target = joinHostPort(host, this.options.port ?? 0);
    const port = await new Promise<number>((resolve, reject) =>
      this.server.bindAsync(target, serverCredentials(this.options.tls), (err, bound) =>
        err
          ? reject(new Error(`the dispatcher cannot listen on ${target}: ${err.message}`, { cause: err }))
          : resolve(bound),
      ),
    );
    this.bound = { host, port };
    if (this.options.autoTick !== false) {
      // Each tick runs after the I/O that arrived meanwhile (setImmediate): run at once after a
      // busy spell, it would give up workers whose heartbeats were waiting unread.
      const tickAfterIo = (): unknown => setImmediate(() => this.timer !== null && this.tick());
      this.timer = setInterval(tickAfterIo, this.options.tickMs ?? this.core.tickMs);
      this.timer.unref();
    }
    if (this.ownsCore) this.core.start(this.clock.now());
    return this.bound;
  }

  get address(): { host: string; port: number } | null {
    return this.bound;
  }

  /** Resolves once every split is done; rejects if a hook threw. */
  whenFinished(): Promise<void> {
    return this.finished;
  }

  /** Whether a worker has a stream open. */
  isConnected(workerId: string): boolean {
    return this.sessions.has(workerId);
  }

  /**
   * The credential of worker `workerId`, for its invocation's payload: a stream with it may
   * act as that worker (and no other) until {@link workerEnded}.
   */
  credentialFor(workerId: string): string {
    this.live.add(workerId);
    return workerCredential(this.token, workerId);
  }

  /**
   * The invocation of `workerId` has ended: its credential is void, its stream (if still open)
   * is closed, and what the dispatcher kept of it is freed once it holds no split.
   */
  workerEnded(workerId: string): void {
    this.live.delete(workerId);
    const session = this.sessions.get(workerId);
    if (session) this.endSession(session, grpc.status.UNAUTHENTICATED, 'its invocation has ended');
    this.state.forgetWorker(workerId);
  }

  /** The caller reports a worker whose invocation failed: its running split is retried or failed. */
  workerFailed(workerId: string, reason: string): void {
    this.core.invocationEnded(workerId, { ok: false, error: reason, retryable: true }, this.clock.now());
  }

  /** Ticks the core (silent workers, speculative copies...); runs on a timer unless `autoTick` is false. */
  tick(now = this.clock.now()): void {
    this.core.tick(now);
  }

  /** Stops serving: open streams are cancelled. */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    for (const session of this.sessions.values()) session.closed = true;
    this.sessions.clear();
    this.server.forceShutdown();
  }

  private readonly handleWork = (
    call: grpc.ServerDuplexStream<WireWorkerMessage, WireDispatcherMessage>,
  ): void => {
    const id = authenticateWorker(call.metadata, this.token, (workerId) => this.live.has(workerId));
    if ('refused' in id) {
      const invalid = id.refused === 'invalid-metadata';
      if (invalid) this.counters.invalidMetadata++;
      else this.counters.unauthenticated++;
      const code = invalid ? grpc.status.INVALID_ARGUMENT : grpc.status.UNAUTHENTICATED;
      call.emit('error', { code, details: id.problem });
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
    this.core.heartbeat(id.workerId, this.clock.now());
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
      this.core.heartbeat(session.workerId, now);
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
    const answer = this.core.pull(session.workerId, request.finished, request.maxSplits, now);
    const statuses = answer.statuses.map(toWireStatus);
    if (answer.wait) {
      session.pending = { requestId: request.requestId, statuses };
      return;
    }
    if (session.closed) return;
    session.call.write({
      assignment: { requestId: request.requestId, splits: toWireSplits(answer.splits), finished: statuses },
    });
  }

  /** Carries out a decision of the core: stream messages, and the hooks of a standalone dispatcher. */
  private readonly carryOut = (decision: DispatchDecision): void => {
    switch (decision.type) {
      case 'answer': {
        const session = this.sessions.get(decision.workerId);
        if (!session || session.closed || !session.pending) return;
        const { requestId, statuses } = session.pending;
        session.pending = null;
        session.call.write({
          assignment: { requestId, splits: toWireSplits(decision.splits), finished: statuses },
        });
        return;
      }
      case 'cancel': {
        const { splitId, attempt, workerId } = decision.attempt;
        const session = this.sessions.get(workerId);
        if (session && !session.closed)
          session.call.write({ cancel: { splitId, attempt, reason: decision.reason } });
        return;
      }
      default: {
        // Invocations and the job's stop belong to the job manager; the rest to the hooks.
        const hook = hookOf(decision, this.hooks);
        if (hook) this.hook(hook);
        if (decision.type === 'finished') this.settle.resolve();
      }
    }
  };

  private onClosed(session: Session, reason: string): void {
    if (session.closed) return;
    session.closed = true;
    if (this.sessions.get(session.workerId) !== session) return;
    this.sessions.delete(session.workerId);
    if (session.call.writable) session.call.end();
    this.core.streamClosed(session.workerId, reason, this.clock.now());
  }

  private endSession(session: Session, code: grpc.status, details: string): void {
    const wasLive = !session.closed;
    session.closed = true;
    session.call.emit('error', { code, details });
    if (wasLive && this.sessions.get(session.workerId) === session) {
      this.sessions.delete(session.workerId);
      this.core.streamClosed(session.workerId, `stream refused: ${details}`, this.clock.now());
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
