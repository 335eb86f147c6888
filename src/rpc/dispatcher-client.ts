/**
 * The worker's side of the dispatcher: one stream carrying pulls and background heartbeats.
 *
 *     const client = await DispatcherClient.connect(address, { workerId });
 *     let finished;
 *     for (let split; (split = await client.pull(finished)); ) {
 *       finished = { splitId: split.splitId, results: await run(split.keys, split.signal) };
 *     }
 *     client.close();
 *
 * `pullMany` returns several finished splits at once and asks for several, so that a worker can
 * keep its pipeline fed with the next split while the current one finishes.
 */
import * as grpc from '@grpc/grpc-js';
import { AUTHORIZATION_METADATA, WORKER_ID_METADATA } from './auth.js';
import {
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_KEEP_ALIVE_INTERVAL_MS,
  DEFAULT_MAX_MESSAGE_BYTES,
} from './defaults.js';
import { DispatcherError } from './dispatcher-error.js';
import {
  checkPresentedCertificate,
  PINNED_CHANNEL_OPTIONS,
  pinnedChannelCredentials,
} from './dispatcher-tls.js';
import { HeldSplit, type FinishedSplit, type ResultReport, type SplitAssignment } from './held-split.js';
import {
  dispatcherService,
  MAX_SPLITS_PER_PULL,
  ResultStatus,
  toWireResults,
  type WireDispatcherMessage,
  type WireFinishedSplit,
  type WireWorkerMessage,
} from './wire.js';
import { steadyNow } from '../util/steady-clock.js';
import { joinHostPort } from '../util/loopback.js';

export { DispatcherError, type DispatcherErrorCode } from './dispatcher-error.js';
export type { FinishedSplit, ResultReport, SplitAssignment } from './held-split.js';

/** The error a stream ended with, as a DispatcherError that says whether this worker was refused. */
function closedError(where: string, err: grpc.ServiceError): DispatcherError {
  if (err.code === grpc.status.UNAUTHENTICATED || err.code === grpc.status.INVALID_ARGUMENT) {
    return new DispatcherError(`the dispatcher at ${where} refused this worker: ${err.details}`, 'refused', {
      cause: err,
    });
  }
  const details = err.details || err.message;
  return new DispatcherError(`the dispatcher at ${where} closed the stream: ${details}`, 'closed', {
    cause: err,
  });
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
  /** TLS: the one certificate the dispatcher must present (PEM); absent, clear text. */
  tls?: { cert: string };
}

type Call = grpc.ClientDuplexStream<WireWorkerMessage, WireDispatcherMessage>;

export class DispatcherClient {
  /** Counts of what the dispatcher did with the results sent so far. */
  readonly resultCounts = { accepted: 0, duplicate: 0, rejected: 0 };
  /** Reports on the results carried by the latest pull. */
  lastReports: ResultReport[] = [];
  private readonly held = new Map<string, HeldSplit>();
  private waiting: {
    requestId: number;
    resolve: (a: SplitAssignment[]) => void;
    reject: (e: Error) => void;
  } | null = null;
  private nextRequestId = 1;
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

  /**
   * Opens the stream and waits until the dispatcher accepts it (token and worker id checked).
   * With `address.tls`, over TLS to a server that presents exactly the pinned certificate: any
   * other is refused with an `AccessError` (`dispatcher.tls.cert`) before the credential is sent.
   */
  static async connect(
    address: DispatcherAddress,
    options: DispatcherClientOptions,
  ): Promise<DispatcherClient> {
    const where = joinHostPort(address.host, address.port);
    const timeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    // One deadline for the certificate's check and the channel's connection together.
    const deadline = steadyNow() + timeoutMs;
    const maxBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    const pinned = address.tls?.cert;
    // A server that presents another certificate is refused at once, not retried until the timeout.
    if (pinned !== undefined) await checkPresentedCertificate(address.host, address.port, pinned, timeoutMs);
    const Client = grpc.makeGenericClientConstructor(dispatcherService().service, 'Dispatcher');
    const credentials =
      pinned === undefined ? grpc.credentials.createInsecure() : pinnedChannelCredentials(pinned, where);
    const client = new Client(where, credentials, {
      'grpc.max_receive_message_length': maxBytes,
      'grpc.max_send_message_length': maxBytes,
      ...(pinned === undefined ? {} : PINNED_CHANNEL_OPTIONS),
      ...options.channelOptions,
    });
    try {
      await new Promise<void>((resolve, reject) =>
        client.waitForReady(deadline, (err?: Error) => (err ? reject(err) : resolve())),
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
    const call = (client as unknown as { Work(metadata: grpc.Metadata): Call }).Work(metadata);
    try {
      await new Promise<void>((resolve, reject) => {
        const late = new DispatcherError(
          `the dispatcher at ${where} did not answer within ${timeoutMs / 1000} s`,
          'unreachable',
        );
        const timer = setTimeout(() => reject(late), timeoutMs);
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
   * Returns the results of a finished split (if any) and asks for the next one. Resolves to
   * null when there is nothing left to do. One pull at a time.
   */
  async pull(finished?: FinishedSplit): Promise<SplitAssignment | null> {
    const splits = await this.pullMany(finished ? [finished] : [], 1);
    return splits[0] ?? null;
  }

  /**
   * Returns the results of finished splits and asks for up to `maxSplits` more. Resolves to an
   * empty list when there is nothing left to do. One pull at a time.
   */
  pullMany(finished: readonly FinishedSplit[], maxSplits = 1): Promise<SplitAssignment[]> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.waiting)
      return Promise.reject(new DispatcherError('a pull is already waiting for its answer', 'protocol'));
    if (!Number.isInteger(maxSplits) || maxSplits < 1 || maxSplits > MAX_SPLITS_PER_PULL) {
      return Promise.reject(new RangeError(`maxSplits must be 1..${MAX_SPLITS_PER_PULL}, got ${maxSplits}`));
    }
    const wire: WireFinishedSplit[] = [];
    for (const split of finished) {
      const held = this.held.get(split.splitId);
      if (!held)
        return Promise.reject(
          new DispatcherError(`split ${split.splitId} is not held by this worker`, 'protocol'),
        );
      wire.push({ splitId: split.splitId, attempt: held.attempt, results: toWireResults(split.results) });
    }
    for (const split of finished) this.held.delete(split.splitId);
    const requestId = this.nextRequestId++;
    return new Promise<SplitAssignment[]>((resolve, reject) => {
      this.waiting = { requestId, resolve, reject };
      this.send({ pull: { requestId, finished: wire, maxSplits } });
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
      const held = this.held.get(splitId);
      if (held && held.attempt === attempt) held.abort(new DispatcherError(reason, 'closed'));
      return;
    }
    const answer = message.kind === 'assignment' ? message.assignment : null;
    const waiting = this.waiting;
    if (!answer || !waiting || answer.requestId !== waiting.requestId) {
      this.fail(new DispatcherError(`unexpected message from the dispatcher at ${this.where}`, 'protocol'));
      return;
    }
    this.waiting = null;
    this.lastReports = answer.finished.map(({ splitId, status, detail }) => {
      const named =
        status === ResultStatus.accepted
          ? 'accepted'
          : status === ResultStatus.duplicate
            ? 'duplicate'
            : 'rejected';
      this.resultCounts[named]++;
      return { splitId, status: named, detail };
    });
    const splits = answer.splits.map((wire) => new HeldSplit(wire));
    for (const split of splits) this.held.set(split.splitId, split);
    waiting.resolve(splits);
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
    for (const split of this.held.values()) split.abort(err);
  }

  private stopHeartbeats(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
  }
}
