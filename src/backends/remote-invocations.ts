/**
 * The part of a remote invocation (Lambda, HTTP) that does not depend on how it travels: an id
 * and a submit time, the payload as bytes, a slot among the backend's `maxConcurrency`, the
 * signal that stops it (the caller's cancel, the backend's close, the timeout) and the failed
 * invocations it may end as. Each backend sends the bytes its own way.
 */
import { randomUUID } from 'node:crypto';
import { BackendError } from '../errors.js';
import type { WorkerPayload } from '../protocol/invocation.js';
import { Semaphore } from '../util/semaphore.js';
import type { Invocation, InvokeOptions } from './backend.js';
import { remoteFailure } from './invocation-stats.js';
import { stopReason } from './stop-reason.js';
import { steadyNow } from '../util/steady-clock.js';

/** One remote invocation holding its slot, as a backend's sender gets it. */
export interface RemoteCall {
  invocationId: string;
  /** Epoch ms when it was submitted (before it waited for a slot). */
  submittedAt: number;
  /** The payload as JSON bytes. */
  body: Buffer;
  /** Aborts when the caller cancels, the backend closes or the timeout passes. */
  signal: AbortSignal;
  /** Why the invocation stopped, once `signal` has aborted. */
  stopped: () => BackendError;
  /**
   * A failed invocation with `error`, sent at `startedAt` (now where it never was), that ran
   * `ranMs` (default 0; see `remoteFailure`).
   */
  fail: (error: BackendError, startedAt?: number, ranMs?: number) => Invocation;
  /**
   * The invocation stopped (once `signal` has aborted) while its request, sent at `sentAt`, was
   * out: a failed invocation billed the time it was out, which the function ran all that time.
   */
  stoppedWhileOut: (sentAt: number) => Invocation;
}

/** What {@link RemoteInvocations} needs of its backend: memory, slots, timeout and payload limit. */
export interface RemoteInvocationsOptions {
  /** Memory of the functions (MB), for the stats of failed invocations. */
  memoryMb: number;
  /** Invocations in flight at once; more wait for a slot. */
  maxConcurrency: number;
  /** Longest an invocation may run (waiting for its slot not counted) unless the call sets one. */
  timeoutMs: number;
  /** Why a payload of `bytes` may not be sent at all (a platform's limit); undefined when it may. */
  refusePayload?: (bytes: number) => string | undefined;
}

/** The slots, the closing and the start of every invocation of one remote backend. */
export class RemoteInvocations {
  private readonly slots: Semaphore;
  private readonly closer = new AbortController();

  constructor(private readonly options: RemoteInvocationsOptions) {
    this.slots = new Semaphore(options.maxConcurrency);
  }

  /**
   * Runs one invocation: `send` gets the call once it holds a slot (released when `send`
   * settles). A closed backend, a refused payload or a cancel while waiting for the slot ends
   * it as a failed invocation without calling `send`.
   */
  async run(
    payload: WorkerPayload,
    options: InvokeOptions,
    send: (call: RemoteCall) => Promise<Invocation>,
  ): Promise<Invocation> {
    const invocationId = randomUUID();
    const submittedAt = steadyNow();
    const fail = remoteFailure(this.options.memoryMb, invocationId, submittedAt);
    const closer = this.closer.signal;
    if (closer.aborted) return fail(new BackendError('backend closed', false));
    const body = Buffer.from(JSON.stringify(payload), 'utf8');
    const refusal = this.options.refusePayload?.(body.length);
    if (refusal !== undefined) return fail(new BackendError(refusal, false));
    const stop = options.signal ? AbortSignal.any([options.signal, closer]) : closer;
    try {
      await this.slots.acquire(stop);
    } catch {
      return fail(stopReason(options.signal, closer, undefined));
    }
    try {
      const timeoutMs = options.timeoutMs ?? this.options.timeoutMs;
      const signal = AbortSignal.any([stop, AbortSignal.timeout(timeoutMs)]);
      const stopped = (): BackendError => stopReason(options.signal, closer, timeoutMs);
      const stoppedWhileOut = (sentAt: number): Invocation => fail(stopped(), sentAt, steadyNow() - sentAt);
      return await send({ invocationId, submittedAt, body, signal, stopped, fail, stoppedWhileOut });
    } finally {
      this.slots.release();
    }
  }

  /** Stops every invocation (running or waiting) and refuses new ones; false when already closed. */
  close(): boolean {
    if (this.closer.signal.aborted) return false;
    this.closer.abort();
    return true;
  }
}
