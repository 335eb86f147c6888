/**
 * The worker's side of the dispatcher: one stream carrying pulls and background heartbeats.
 *
 *     const client = await DispatcherClient.connect(ref, { workerId });
 *     let finished;
 *     for (let split; (split = await client.pull(finished)); ) finished = { splitId: split.splitId, results: await run(split) };
 *     client.close();
 */
import * as grpc from '@grpc/grpc-js';
import type { AttemptKind } from '../core/split-state.js';
import { ObiError } from '../errors.js';
import type { InputResult } from '../worker/types.js';
import { AUTHORIZATION_METADATA, WORKER_ID_METADATA } from './auth.js';
import {
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_KEEP_ALIVE_INTERVAL_MS,
  DEFAULT_MAX_MESSAGE_BYTES,
} from './defaults.js';
import {
  attemptKindFromWire,
  dispatcherService,
  toWireResults,
  type WireAssignment,
  type WireDispatcherMessage,
  type WireWorkerMessage,
} from './wire.js';

/** Why talking to the dispatcher failed, for code that decides without reading messages. */
export type DispatcherErrorCode = 'unreachable' | 'refused' | 'closed' | 'protocol';

export class DispatcherError extends ObiError {
  override name = 'DispatcherError';
  constructor(
    message: string,
    readonly code: DispatcherErrorCode,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** A split to process. */
export interface SplitAssignment {
  splitId: string;
  attempt: number;
  kind: AttemptKind;
  keys: string[];
  /** Aborted when the dispatcher says the split is no longer needed (another attempt won). */
  signal: AbortSignal;
}

/** What the dispatcher did with the results sent by the last pull. */
export interface ResultReport {
  splitId: string;
  status: 'accepted' | 'duplicate' | 'rejected';
  detail: string;
}

export interface DispatcherClientOptions {
  workerId: string;
  /** Heartbeat interval (default 2 s). */
  keepAliveIntervalMs?: number;
  /** How long to try reaching the dispatcher (default 10 s). */
  connectTimeoutMs?: number;
  maxMessageBytes?: number;
  /** Extra gRPC channel options. */
  channelOptions?: grpc.ChannelOptions;
}

/** Where the dispatcher listens and the job's token. */
export interface DispatcherAddress {
  host: string;
  port: number;
  token: string;
}

type Call = grpc.ClientDuplexStream<WireWorkerMessage, WireDispatcherMessage>;

export class DispatcherClient {
  /** Results reports of every pull that carried results, latest last. */
  readonly reports: ResultReport[] = [];
  private waiting: {
    requestId: number;
    splitId: string | null;
    resolve: (a: SplitAssignment | null) => void;
    reject: (e: Error) => void;
  } | null = null;
  private nextRequestId = 1;
  private current: { splitId: string; attempt: number; abort: AbortController } | null = null;
  private failure: DispatcherError | null = null;
  private heartbeat: NodeJS.Timeout | null = null;

  private constructor(
    private readonly client: grpc.Client,
    private readonly call: Call,
    private readonly where: string,
    keepAliveIntervalMs: number,
  ) {
    call.on('data', (message: WireDispatcherMessage) => this.onMessage(message));
    call.on('error', (err: grpc.ServiceError) => this.fail(closedError(where, err)));
    call.on('end', () =>
      this.fail(new DispatcherError(`the dispatcher at ${where} ended the stream`, 'closed')),
    );
    this.heartbeat = setInterval(() => this.send({ heartbeat: {} }), keepAliveIntervalMs);
    this.heartbeat.unref();
  }

  /** Opens the stream and waits until the dispatcher accepts it (token and worker id checked). */
  static async connect(
    address: DispatcherAddress,
    options: DispatcherClientOptions,
  ): Promise<DispatcherClient> {
    const where = `${address.host.includes(':') ? `[${address.host}]` : address.host}:${address.port}`;
    const timeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    const maxBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    const { Client } = dispatcherService();
    const client = new Client(where, grpc.credentials.createInsecure(), {
      'grpc.max_receive_message_length': maxBytes,
      'grpc.max_send_message_length': maxBytes,
      ...options.channelOptions,
    });
    try {
      await new Promise<void>((resolve, reject) =>
        client.waitForReady(Date.now() + timeoutMs, (err) => (err ? reject(err) : resolve())),
      );
    } catch (err) {
      client.close();
      throw new DispatcherError(
        `cannot reach the dispatcher at ${where} within ${timeoutMs / 1000} s: workers must be able to connect to ` +
          'the job manager (for cloud functions, set the dispatcher host to an address they can reach, e.g. in the same VPC)',
        'unreachable',
        { cause: err },
      );
    }
    const metadata = new grpc.Metadata();
    metadata.set(AUTHORIZATION_METADATA, `Bearer ${address.token}`);
    metadata.set(WORKER_ID_METADATA, options.workerId);
    const work = client as unknown as { Work(metadata: grpc.Metadata): Call };
    const call = work.Work(metadata);
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () =>
            reject(
              new DispatcherError(
                `the dispatcher at ${where} did not answer within ${timeoutMs / 1000} s`,
                'unreachable',
              ),
            ),
          timeoutMs,
        );
        call.once('metadata', () => (clearTimeout(timer), resolve()));
        call.once(
          'error',
          (err: grpc.ServiceError) => (clearTimeout(timer), reject(closedError(where, err))),
        );
      });
    } catch (err) {
      call.cancel();
      client.close();
      throw err;
    }
    return new DispatcherClient(
      client,
      call,
      where,
      options.keepAliveIntervalMs ?? DEFAULT_KEEP_ALIVE_INTERVAL_MS,
    );
  }

  /**
   * Returns the results of the finished split (if any) and asks for the next one. Resolves to
   * null when there is nothing left to do. One pull at a time.
   */
  pull(finished?: { splitId: string; results: readonly InputResult[] }): Promise<SplitAssignment | null> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.waiting)
      return Promise.reject(new DispatcherError('pull() called while another pull is waiting', 'protocol'));
    let attempt = 0;
    if (finished) {
      if (this.current && this.current.splitId === finished.splitId) attempt = this.current.attempt;
      else
        return Promise.reject(
          new DispatcherError(`split ${finished.splitId} is not the split being run`, 'protocol'),
        );
    }
    const requestId = this.nextRequestId++;
    return new Promise<SplitAssignment | null>((resolve, reject) => {
      this.waiting = { requestId, splitId: finished?.splitId ?? null, resolve, reject };
      this.send({
        pull: {
          requestId,
          finished: finished
            ? { splitId: finished.splitId, attempt, results: toWireResults(finished.results) }
            : null,
        },
      });
    });
  }

  /** Closes the stream and the channel (heartbeats stop). */
  close(): void {
    this.stopHeartbeats();
    if (!this.failure) this.failure = new DispatcherError('the client is closed', 'closed');
    this.waiting?.reject(this.failure);
    this.waiting = null;
    this.call.end();
    this.client.close();
  }

  private onMessage(message: WireDispatcherMessage): void {
    if (message.kind === 'cancel' && message.cancel) {
      const { splitId, attempt, reason } = message.cancel;
      if (this.current && this.current.splitId === splitId && this.current.attempt === attempt)
        this.current.abort.abort(new DispatcherError(reason, 'closed'));
      return;
    }
    const a = message.kind === 'assignment' ? message.assignment : null;
    const waiting = this.waiting;
    if (!a || !waiting || a.requestId !== waiting.requestId) {
      this.fail(new DispatcherError(`unexpected message from the dispatcher at ${this.where}`, 'protocol'));
      return;
    }
    this.waiting = null;
    if (waiting.splitId !== null) this.reports.push({ splitId: waiting.splitId, ...report(a) });
    if (a.keys.length === 0) {
      this.current = null;
      waiting.resolve(null);
      return;
    }
    const abort = new AbortController();
    this.current = { splitId: a.splitId, attempt: a.attempt, abort };
    waiting.resolve({
      splitId: a.splitId,
      attempt: a.attempt,
      kind: attemptKindFromWire(a.kind),
      keys: a.keys,
      signal: abort.signal,
    });
  }

  private send(message: WireWorkerMessage): void {
    if (this.failure) return;
    this.call.write(message);
  }

  private fail(err: DispatcherError): void {
    if (this.failure) return;
    this.failure = err;
    this.stopHeartbeats();
    this.waiting?.reject(err);
    this.waiting = null;
    this.current?.abort.abort(err);
  }

  private stopHeartbeats(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
  }
}

function report(a: WireAssignment): Omit<ResultReport, 'splitId'> {
  const status =
    a.finishedStatus === 'RESULT_STATUS_ACCEPTED'
      ? 'accepted'
      : a.finishedStatus === 'RESULT_STATUS_DUPLICATE'
        ? 'duplicate'
        : 'rejected';
  return { status, detail: a.finishedDetail };
}

function closedError(where: string, err: grpc.ServiceError): DispatcherError {
  if (err.code === grpc.status.UNAUTHENTICATED || err.code === grpc.status.INVALID_ARGUMENT) {
    return new DispatcherError(`the dispatcher at ${where} refused this worker: ${err.details}`, 'refused', {
      cause: err,
    });
  }
  return new DispatcherError(
    `the dispatcher at ${where} closed the stream: ${err.details || err.message}`,
    'closed',
    { cause: err },
  );
}
