/**
 * The `http` compute backend: functions behind URLs (the obifaas function server from
 * `obifaas serve-function` in any container platform, or anything speaking its protocol, see
 * `protocol.ts`). Each invocation POSTs the payload to the least busy URL with a free slot
 * (ties in turn), at most `perUrlConcurrency` per URL (`url-pool.ts`). Busy answers (429, 503)
 * and transient failures are retried with jittered backoff; a function that cannot serve (503
 * `FunctionUnhealthyError`: its threads are stuck) leaves the rotation like a refusing URL while
 * another URL is left, else is retried. A URL that refuses connections
 * leaves the rotation and the invocation goes on at once with the other URLs; it fails only
 * when no URL is left to it. A connection that breaks while the function has the request (its
 * process ended) fails the invocation at once, retryable and billed for the time it was out:
 * the function may have run part of it, so the job's retry is a new invocation on record; the
 * URL leaves the rotation as a refusing one does, unless it is the last. The bearer token comes
 * from the options (or `OBIFAAS_FUNCTION_TOKEN` through the factory) and is never logged or
 * recorded.
 */
import type { FunctionCpus } from '../../core/function-cpus.js';
import { BackendError } from '../../errors.js';
import {
  resolveRetryPolicy,
  retryWithBackoff,
  systemRetryClock,
  type RetryClock,
  type RetryPolicy,
} from '../../util/retry.js';
import { HTTP_DEFAULTS, INVOKE_RETRY_DEFAULTS } from '../defaults.js';
import type { WorkerPayload } from '../../protocol/invocation.js';
import type { ComputeBackend, Invocation, InvocationStats, InvokeOptions } from '../backend.js';
import { invocationStats } from '../invocation-stats.js';
import { RemoteInvocations, type RemoteCall } from '../remote-invocations.js';
import { readFunctionReply } from '../../protocol/function-reply.js';
import { HTTP_MAX_RESPONSE_BYTES } from '../../protocol/limits.js';
import { createAgents, postJson, type Agents, type HttpReply } from './post.js';
import { invokeUrl, reportedMemoryMb, STATS_HEADERS } from '../../protocol/http-function.js';
import { classifyHttpFailure, type HttpFailure } from './http-errors.js';
import { UrlPool, type FunctionUrl } from './url-pool.js';
import { redactUrlCredentials } from '../../util/redact.js';
import { steadyNow } from '../../util/steady-clock.js';

/** Memory recorded for billing when none is configured (MB). */
export const HTTP_DEFAULT_MEMORY_MB = 3008;
/** Longest an invocation may run when neither the backend nor the call sets a timeout. */
export const HTTP_DEFAULT_TIMEOUT_MS = 15 * 60_000;
/** Largest worker result accepted (a result has one line per input; `protocol/limits.ts`). */
export { HTTP_MAX_RESPONSE_BYTES };
export { HTTP_DOWN_PENALTY_MS } from './url-pool.js';

/** Settings of the `http` backend: its function URLs and token, slots, billing figures, timeout and retries. */
export interface HttpBackendOptions {
  /** Function URLs: a base (`http://host:8080`, `/invoke` appended) or a full invoke URL. */
  urls: string[];
  /** Bearer token the functions require. */
  token?: string;
  /** Invocations in flight per URL (default 1: one instance behind each URL). */
  perUrlConcurrency?: number;
  /** Invocations in flight overall (default and cap: URLs x per-URL concurrency). */
  maxConcurrency?: number;
  /** Memory recorded for billing (MB). */
  memoryMb?: number;
  /** vCPUs each function has (default `HTTP_DEFAULTS.vcpus`). */
  vcpus?: number;
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  /** The wall clock and the waits between attempts (default: the process's; tests pass their own). */
  retryClock?: RetryClock;
}

/** Functions behind URLs (see the module comment). */
export class HttpBackend implements ComputeBackend {
  readonly name = 'http';
  readonly memoryMb: number;
  readonly maxConcurrency: number;
  /** Each function's vCPUs, as set (`backend.vcpus`) or the default. */
  readonly functionCpus: FunctionCpus;
  readonly counters = { requests: 0, retries: 0, busy: 0 };
  private readonly pool: UrlPool;
  private readonly invocations: RemoteInvocations;
  private readonly agents: Agents;
  private readonly retry: RetryPolicy;
  private readonly retryClock: RetryClock;
  private readonly token: string | undefined;
  /** Longest an invocation may run when the call sets no timeout (ms). */
  private readonly timeoutMs: number;

  constructor(options: HttpBackendOptions) {
    if (options.urls.length === 0) throw new RangeError('HttpBackend needs at least one URL');
    const entries = options.urls.map((base) => {
      let url: URL;
      try {
        url = invokeUrl(base);
      } catch {
        throw new RangeError(`not a URL: '${redactUrlCredentials(base)}'`);
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:')
        throw new RangeError(`function URL '${redactUrlCredentials(base)}' must be http:// or https://`);
      return { base, url };
    });
    const perUrl = options.perUrlConcurrency ?? 1;
    this.pool = new UrlPool(entries, perUrl);
    const capacity = entries.length * perUrl;
    this.maxConcurrency = Math.min(options.maxConcurrency ?? capacity, capacity);
    if (!Number.isInteger(this.maxConcurrency) || this.maxConcurrency < 1)
      throw new RangeError(`maxConcurrency must be an integer >= 1, got ${this.maxConcurrency}`);
    this.memoryMb = options.memoryMb ?? HTTP_DEFAULT_MEMORY_MB;
    if (options.vcpus !== undefined && !(Number.isFinite(options.vcpus) && options.vcpus > 0))
      throw new RangeError(`vcpus must be a number > 0, got ${options.vcpus}`);
    this.functionCpus =
      options.vcpus !== undefined
        ? { kind: 'fixed', vcpus: options.vcpus, from: 'backend.vcpus' }
        : { kind: 'fixed', vcpus: HTTP_DEFAULTS.vcpus, from: 'the http default (set backend.vcpus)' };
    this.retry = resolveRetryPolicy(options.retry, INVOKE_RETRY_DEFAULTS);
    this.retryClock = options.retryClock ?? systemRetryClock;
    this.token = options.token && options.token !== '' ? options.token : undefined;
    this.timeoutMs = options.timeoutMs ?? HTTP_DEFAULT_TIMEOUT_MS;
    this.invocations = new RemoteInvocations({
      memoryMb: this.memoryMb,
      maxConcurrency: this.maxConcurrency,
      timeoutMs: this.timeoutMs,
    });
    this.agents = createAgents(Math.max(1_000, this.maxConcurrency));
  }

  async invoke(payload: WorkerPayload, options: InvokeOptions = {}): Promise<Invocation> {
    return this.invocations.run(payload, options, (call) => this.send(call));
  }

  /**
   * Posts the call to a URL with a free slot, retrying busy answers and transient failures, and
   * going on at once with the other URLs when one refuses connections.
   */
  private async send({
    invocationId,
    submittedAt,
    body,
    signal,
    stopped,
    fail,
    stoppedWhileOut,
  }: RemoteCall): Promise<Invocation> {
    /** URLs that refused this invocation: it never goes back to them. */
    const refused = new Set<FunctionUrl>();
    let sentAt = steadyNow();
    const outcome = await retryWithBackoff<Invocation, HttpFailure>(
      async () => {
        for (;;) {
          let target: FunctionUrl | null;
          try {
            target = await this.pool.acquire(refused, signal);
          } catch {
            return { done: fail(stopped(), sentAt) };
          }
          if (target === null) return { done: fail(this.noUrlLeft(refused), sentAt) };
          const attempt = await this.post(target, body, signal, invocationId, submittedAt);
          sentAt = attempt.sentAt;
          if ('invocation' in attempt) return { done: attempt.invocation };
          if (attempt.aborted) return { done: stoppedWhileOut(sentAt) };
          const failure = attempt.failure;
          if (failure.kind === 'unreachable') {
            // Out of the rotation; this invocation goes on with the other URLs at once.
            refused.add(target);
            this.pool.markDown(target);
            continue;
          }
          // The function had the request and may have run part of it: this invocation ends,
          // billed for the time it was out, and the job's own retry is a new invocation on record.
          // Its process has likely ended: the URL leaves the rotation (unless it is the last), so
          // that the retry goes elsewhere rather than into a listener the kernel has yet to close.
          if (failure.kind === 'lost') {
            this.pool.markDownUnlessLast(target, refused);
            return { done: fail(new BackendError(failure.message, true), sentAt, steadyNow() - sentAt) };
          }
          // A function that cannot serve: another URL takes the invocation at once, if one can.
          if (failure.kind === 'unhealthy' && this.pool.markDownUnlessLast(target, refused)) continue;
          if (failure.kind === 'busy' || failure.kind === 'unhealthy') this.counters.busy++;
          if (isRetryable(failure)) return { failed: failure, retryAfterMs: failure.retryAfterMs };
          return { done: fail(new BackendError(failure.message, false), sentAt) };
        }
      },
      {
        policy: this.retry,
        signal,
        onRetry: () => this.counters.retries++,
        wait: (ms, waitSignal) => this.retryClock.wait(ms, waitSignal),
      },
    );
    if (outcome.kind === 'done') return outcome.value;
    if (outcome.kind === 'aborted') return fail(stopped(), sentAt);
    const retryable = isRetryable(outcome.failure);
    return fail(
      new BackendError(
        `${outcome.failure.message}; gave up after ${outcome.attempts} attempts`,
        retryable,
        retryable ? outcome.retryAfterMs : 0,
      ),
      sentAt,
    );
  }

  /** One POST to `target` (holding a slot on it): the invocation, or why there is none. */
  private async post(
    target: FunctionUrl,
    body: Buffer,
    signal: AbortSignal,
    invocationId: string,
    submittedAt: number,
  ): Promise<{ sentAt: number } & ({ invocation: Invocation } | { failure: HttpFailure; aborted: boolean })> {
    const sentAt = steadyNow();
    const t0 = performance.now();
    this.counters.requests++;
    let reply: HttpReply;
    try {
      reply = await postJson(target.url, body, {
        agents: this.agents,
        headers: this.token ? { authorization: `Bearer ${this.token}` } : {},
        signal,
        maxResponseBytes: HTTP_MAX_RESPONSE_BYTES,
      });
    } catch (err) {
      const failure = classifyHttpFailure(err, undefined, target.name, body.length, this.retryAfterBounds());
      return { sentAt, failure, aborted: signal.aborted };
    } finally {
      this.pool.release(target);
    }
    this.pool.markUp(target);
    const invocation = this.fromReply(
      reply,
      target,
      invocationId,
      submittedAt,
      sentAt,
      performance.now() - t0,
    );
    if (invocation) return { sentAt, invocation };
    return {
      sentAt,
      failure: classifyHttpFailure(undefined, reply, target.name, body.length, this.retryAfterBounds()),
      aborted: false,
    };
  }

  /** A reply's `Retry-After` counts up to this backend's longest retry delay. */
  private retryAfterBounds(): { maxMs: number; wallNowMs: number } {
    return { maxMs: this.retry.maxDelayMs, wallNowMs: this.retryClock.wallNow() };
  }

  /** The failure of an invocation that every URL refused or that has no URL in rotation left. */
  private noUrlLeft(refused: ReadonlySet<FunctionUrl>): BackendError {
    const down = new Set([...refused, ...this.pool.down()]);
    const names = [...down].map((u) => u.name).join(', ');
    return new BackendError(
      `no function URL is left to run the invocation: ${names} refused connections (is 'obifaas serve-function' running there?)`,
      false,
    );
  }

  /** A result or a function error; undefined when the reply is a transport-level failure. */
  private fromReply(
    reply: HttpReply,
    target: FunctionUrl,
    invocationId: string,
    submittedAt: number,
    sentAt: number,
    roundTripMs: number,
  ): Invocation | undefined {
    const functionError = header(reply, STATS_HEADERS.functionError);
    if (reply.status !== 200 && !functionError) return undefined;
    const endedAt = steadyNow();
    // The function's own figures, within what this side saw: its handler ran within the round
    // trip, and its start-up cannot have taken longer than an invocation may run.
    const measured = Number(header(reply, STATS_HEADERS.durationMs));
    const durationMs =
      Number.isFinite(measured) && measured >= 0 ? Math.min(measured, roundTripMs) : roundTripMs;
    const cold = header(reply, STATS_HEADERS.cold) === 'true';
    const init = Math.min(Number(header(reply, STATS_HEADERS.initMs)), this.timeoutMs);
    const memory = reportedMemoryMb(header(reply, STATS_HEADERS.maxMemoryUsedMb));
    const startedAt = Math.min(endedAt, Math.max(sentAt, endedAt - Math.ceil(durationMs)));
    const stats: InvocationStats = {
      ...invocationStats(this.memoryMb, invocationId, submittedAt, startedAt, endedAt, durationMs),
      initMs: cold && init >= 0 ? Math.round(init) : 0,
      cold,
      ...(memory !== undefined ? { maxMemoryUsedMb: memory } : {}),
    };
    const result = readFunctionReply(reply.body, functionError, `function at ${target.name}`);
    return result.ok ? { ok: true, result: result.result, stats } : { ok: false, error: result.error, stats };
  }

  async close(): Promise<void> {
    if (!this.invocations.close()) return;
    this.agents.http.destroy();
    this.agents.https.destroy();
  }
}

/** Failures that another attempt (here or after the job's retry) may get past: the function was busy, or a hiccup. */
function isRetryable(failure: HttpFailure): boolean {
  return failure.kind === 'busy' || failure.kind === 'unhealthy' || failure.kind === 'transient';
}

function header(reply: HttpReply, name: string): string | undefined {
  const value = reply.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
