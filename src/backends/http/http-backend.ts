/**
 * The `http` compute backend: functions behind URLs (the obifaas function server from
 * `obifaas serve-function` in any container platform, or anything speaking its protocol, see
 * `protocol.ts`). Each invocation POSTs the payload to the least busy URL with a free slot
 * (ties in turn), at most `perUrlConcurrency` per URL. Busy answers (429, 503) and transient
 * failures are retried with jittered backoff; a refused URL is avoided for a while and the
 * invocation tried elsewhere. The bearer token comes from the options (or
 * `OBIFAAS_FUNCTION_TOKEN` through the factory) and is never logged or recorded.
 */
import { randomUUID } from 'node:crypto';
import type { FunctionCpus } from '../../core/function-cpus.js';
import { BackendError } from '../../errors.js';
import { resolveRetryPolicy, retryWithBackoff, type RetryPolicy } from '../../util/retry.js';
import { HTTP_DEFAULTS, INVOKE_RETRY_DEFAULTS } from '../defaults.js';
import { Semaphore } from '../../util/semaphore.js';
import type { WorkerPayload } from '../../protocol/invocation.js';
import type { ComputeBackend, Invocation, InvocationStats, InvokeOptions } from '../backend.js';
import { invocationStats, remoteFailure } from '../invocation-stats.js';
import { stopReason } from '../stop-reason.js';
import { readFunctionReply } from '../../protocol/function-reply.js';
import { HTTP_MAX_RESPONSE_BYTES } from '../../protocol/limits.js';
import { createAgents, postJson, type Agents, type HttpReply } from './post.js';
import { invokeUrl, STATS_HEADERS } from '../../protocol/http-function.js';
import { classifyHttpFailure, type HttpFailure } from './http-errors.js';

/** Memory recorded for billing when none is configured (MB). */
export const HTTP_DEFAULT_MEMORY_MB = 3008;
/** Longest an invocation may run when neither the backend nor the call sets a timeout. */
export const HTTP_DEFAULT_TIMEOUT_MS = 15 * 60_000;
/** Largest worker result accepted (a result has one line per input; `protocol/limits.ts`). */
export { HTTP_MAX_RESPONSE_BYTES };
/** How long a URL that refused a connection is passed over. */
export const HTTP_DOWN_PENALTY_MS = 5_000;

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
}

interface Target {
  base: string;
  url: URL;
  inFlight: number;
  lastUsed: number;
  downUntil: number;
}

export class HttpBackend implements ComputeBackend {
  readonly name = 'http';
  readonly memoryMb: number;
  readonly maxConcurrency: number;
  /** Each function's vCPUs, as set (`backend.vcpus`) or the default. */
  readonly functionCpus: FunctionCpus;
  readonly counters = { requests: 0, retries: 0, busy: 0 };
  private readonly targets: Target[];
  private readonly perUrl: number;
  private readonly slots: Semaphore;
  private readonly agents: Agents;
  private readonly closer = new AbortController();
  private readonly retry: RetryPolicy;
  private readonly timeoutMs: number;
  private readonly token: string | undefined;
  private uses = 0;

  constructor(options: HttpBackendOptions) {
    if (options.urls.length === 0) throw new RangeError('HttpBackend needs at least one URL');
    this.targets = options.urls.map((base) => {
      let url: URL;
      try {
        url = invokeUrl(base);
      } catch {
        throw new RangeError(`not a URL: '${base}'`);
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:')
        throw new RangeError(`function URL '${base}' must be http:// or https://`);
      return { base, url, inFlight: 0, lastUsed: 0, downUntil: 0 };
    });
    this.perUrl = options.perUrlConcurrency ?? 1;
    const capacity = this.targets.length * this.perUrl;
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
    this.timeoutMs = options.timeoutMs ?? HTTP_DEFAULT_TIMEOUT_MS;
    this.retry = resolveRetryPolicy(options.retry, INVOKE_RETRY_DEFAULTS);
    this.token = options.token && options.token !== '' ? options.token : undefined;
    this.slots = new Semaphore(this.maxConcurrency);
    this.agents = createAgents(Math.max(1_000, this.maxConcurrency));
  }

  async invoke(payload: WorkerPayload, options: InvokeOptions = {}): Promise<Invocation> {
    const invocationId = randomUUID();
    const submittedAt = Date.now();
    const fail = remoteFailure(this.memoryMb, invocationId, submittedAt);
    if (this.closer.signal.aborted) return fail(new BackendError('backend closed', false));
    const body = Buffer.from(JSON.stringify(payload), 'utf8');
    const stop = options.signal ? AbortSignal.any([options.signal, this.closer.signal]) : this.closer.signal;
    try {
      await this.slots.acquire(stop);
    } catch {
      return fail(stopReason(options.signal, this.closer.signal, undefined));
    }
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    const signal = AbortSignal.any([stop, AbortSignal.timeout(timeoutMs)]);
    const stopped = (): BackendError => stopReason(options.signal, this.closer.signal, timeoutMs);
    let sentAt = Date.now();
    try {
      const outcome = await retryWithBackoff<Invocation, HttpFailure>(
        async () => {
          const target = this.pick();
          sentAt = Date.now();
          const t0 = performance.now();
          let reply: HttpReply | undefined;
          let failure: HttpFailure | undefined;
          target.inFlight++;
          this.counters.requests++;
          try {
            reply = await postJson(target.url, body, {
              agents: this.agents,
              headers: this.token ? { authorization: `Bearer ${this.token}` } : {},
              signal,
              maxResponseBytes: HTTP_MAX_RESPONSE_BYTES,
            });
          } catch (err) {
            if (signal.aborted) return { done: fail(stopped(), sentAt) };
            failure = classifyHttpFailure(err, undefined, target.base, body.length);
          } finally {
            target.inFlight--;
          }
          if (reply) {
            const invocation = this.fromReply(
              reply,
              target,
              invocationId,
              submittedAt,
              sentAt,
              performance.now() - t0,
            );
            if (invocation) return { done: invocation };
            failure = classifyHttpFailure(undefined, reply, target.base, body.length);
          }
          if (!failure) throw new Error('unreachable: neither a reply nor a failure');
          if (failure.kind === 'unreachable') target.downUntil = Date.now() + HTTP_DOWN_PENALTY_MS;
          if (failure.kind === 'busy') this.counters.busy++;
          if (isRetryable(failure) || (failure.kind === 'unreachable' && this.anyUp()))
            return { failed: failure, retryAfterMs: failure.retryAfterMs };
          return { done: fail(new BackendError(failure.message, false), sentAt) };
        },
        { policy: this.retry, signal, onRetry: () => this.counters.retries++ },
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
    } finally {
      this.slots.release();
    }
  }

  /** A result or a function error; undefined when the reply is a transport-level failure. */
  private fromReply(
    reply: HttpReply,
    target: Target,
    invocationId: string,
    submittedAt: number,
    sentAt: number,
    roundTripMs: number,
  ): Invocation | undefined {
    const functionError = header(reply, STATS_HEADERS.functionError);
    if (reply.status !== 200 && !functionError) return undefined;
    const endedAt = Date.now();
    const measured = Number(header(reply, STATS_HEADERS.durationMs));
    const durationMs = Number.isFinite(measured) && measured >= 0 ? measured : roundTripMs;
    const cold = header(reply, STATS_HEADERS.cold) === 'true';
    const init = Number(header(reply, STATS_HEADERS.initMs));
    const memory = Number(header(reply, STATS_HEADERS.maxMemoryUsedMb));
    const startedAt = Math.min(endedAt, Math.max(sentAt, endedAt - Math.ceil(durationMs)));
    const stats: InvocationStats = {
      ...invocationStats(this.memoryMb, invocationId, submittedAt, startedAt, endedAt, durationMs),
      initMs: cold && Number.isFinite(init) ? Math.round(init) : 0,
      cold,
      ...(Number.isFinite(memory) && memory > 0 ? { maxMemoryUsedMb: memory } : {}),
    };
    target.downUntil = 0;
    const result = readFunctionReply(reply.body, functionError, `function at ${target.base}`);
    return result.ok ? { ok: true, result: result.result, stats } : { ok: false, error: result.error, stats };
  }

  /** The least busy URL with a free slot, preferring ones not recently refused; ties in turn. */
  private pick(): Target {
    const now = Date.now();
    const free = this.targets.filter((t) => t.inFlight < this.perUrl);
    const candidates = free.filter((t) => t.downUntil <= now);
    const pool = candidates.length > 0 ? candidates : free.length > 0 ? free : this.targets;
    let best = pool[0]!;
    for (const t of pool) {
      if (t.inFlight < best.inFlight || (t.inFlight === best.inFlight && t.lastUsed < best.lastUsed))
        best = t;
    }
    best.lastUsed = ++this.uses;
    return best;
  }

  private anyUp(): boolean {
    const now = Date.now();
    return this.targets.some((t) => t.downUntil <= now);
  }

  async close(): Promise<void> {
    if (this.closer.signal.aborted) return;
    this.closer.abort();
    this.agents.http.destroy();
    this.agents.https.destroy();
  }
}

/** Failures that another attempt (here or after the job's retry) may get past: the function was busy, or a hiccup. */
function isRetryable(failure: HttpFailure): boolean {
  return failure.kind === 'busy' || failure.kind === 'transient';
}

function header(reply: HttpReply, name: string): string | undefined {
  const value = reply.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
