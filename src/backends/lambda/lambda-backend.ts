/**
 * The `lambda` compute backend: each invocation is a synchronous `Invoke` (RequestResponse,
 * `LogType: Tail`) of the function `<prefix>-<memory>`, at most `maxConcurrency` at once over
 * one keep-alive agent. Billing facts come from the `REPORT` line of the returned log tail (no
 * CloudWatch polling). Throttling (429), 5xx and broken connections are retried with jittered
 * exponential backoff; a function error (`FunctionError`) is a failed invocation carrying the
 * function's message. Credentials come only from the SDK's default chain.
 */
import { InvokeCommand, type InvokeCommandOutput, type LambdaClient } from '@aws-sdk/client-lambda';
import type { FunctionCpus } from '../../core/function-cpus.js';
import { BackendError } from '../../errors.js';
import { INVOKE_RETRY_DEFAULTS, LAMBDA_DEFAULTS } from '../defaults.js';
import {
  resolveRetryPolicy,
  retryWithBackoff,
  systemRetryClock,
  type RetryClock,
  type RetryPolicy,
} from '../../util/retry.js';
import type { WorkerPayload } from '../../protocol/invocation.js';
import { LAMBDA_MAX_PAYLOAD_BYTES, MAX_MEMORY_MB, MIN_MEMORY_MB } from '../../protocol/limits.js';
import type { ComputeBackend, Invocation, InvocationStats, InvokeOptions } from '../backend.js';
import type { LogSink } from '../local/function-process.js';
import { invocationStats } from '../invocation-stats.js';
import { RemoteInvocations, type RemoteCall } from '../remote-invocations.js';
import {
  createLambdaClient,
  DEFAULT_FUNCTION_PREFIX,
  describeEndpoint,
  functionNameFor,
  LAMBDA_AGENT_MAX_SOCKETS,
  type LambdaConnection,
} from './lambda-client.js';
import { lambdaFunctionCpus } from './lambda-cpus.js';
import { classifyLambdaError, RETRIED_KINDS, type LambdaFailure } from './lambda-errors.js';
import { readFunctionReply } from '../../protocol/function-reply.js';
import { decodeLogTail, handlerBilledMs, parseReport } from './report-log.js';
import { steadyNow } from '../../util/steady-clock.js';

/** Invocations in flight when none is configured (the reference's default worker cap). */
export const LAMBDA_DEFAULT_MAX_CONCURRENCY: number = LAMBDA_DEFAULTS.maxConcurrency;
/** Lambda's longest function timeout (15 min) plus a margin for the round trip. */
export const LAMBDA_DEFAULT_TIMEOUT_MS: number = LAMBDA_DEFAULTS.timeoutMs;
/** Lambda's limit on a synchronous invoke's request payload (6 MB). */
export const LAMBDA_MAX_SYNC_PAYLOAD_BYTES = LAMBDA_MAX_PAYLOAD_BYTES;

/** Settings of the `lambda` backend: which functions, how many invocations at once, retries and timeout. */
export interface LambdaBackendOptions extends LambdaConnection {
  /** Memory of the function to invoke (MB); selects `<prefix>-<memory>` and prices it. */
  memoryMb: number;
  /** Function name prefix (default `obifaas-worker`). */
  functionPrefix?: string;
  /** Invoke this function instead of `<prefix>-<memory>`. */
  functionName?: string;
  /** Version or alias to invoke (default `$LATEST`). */
  qualifier?: string;
  /** Invocations in flight at once (default 100). */
  maxConcurrency?: number;
  /** Default per-invocation timeout, throttling retries included; `InvokeOptions.timeoutMs` wins. */
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  /** The wall clock and the waits between attempts (default: the process's; tests pass their own). */
  retryClock?: RetryClock;
  /** Where the functions' log tails go (default: nowhere). */
  log?: LogSink;
  /** Test seam: an existing client (closed with the backend). */
  client?: LambdaClient;
}

/** What the backend has done, for tests and reports. */
export interface LambdaBackendCounters {
  /** `Invoke` calls sent, retries included. */
  requests: number;
  /** Calls answered with 429. */
  throttled: number;
  /** Calls sent again after a failure. */
  retries: number;
}

/** AWS Lambda functions invoked synchronously (see the module comment). */
export class LambdaBackend implements ComputeBackend {
  readonly name = 'lambda';
  readonly memoryMb: number;
  readonly maxConcurrency: number;
  /** vCPUs in proportion to the function's memory. */
  readonly functionCpus: FunctionCpus;
  readonly functionName: string;
  readonly counters: LambdaBackendCounters = { requests: 0, throttled: 0, retries: 0 };
  private readonly client: LambdaClient;
  private readonly invocations: RemoteInvocations;
  private readonly retry: RetryPolicy;
  private readonly retryClock: RetryClock;
  private readonly endpoint: string;
  private readonly region: string | undefined;
  private readonly qualifier: string | undefined;
  private readonly log: LogSink | undefined;

  constructor(options: LambdaBackendOptions) {
    const { memoryMb } = options;
    if (!Number.isInteger(memoryMb) || memoryMb < MIN_MEMORY_MB || memoryMb > MAX_MEMORY_MB)
      throw new RangeError(
        `memoryMb must be an integer in ${MIN_MEMORY_MB}..${MAX_MEMORY_MB}, got ${memoryMb}`,
      );
    this.memoryMb = options.memoryMb;
    this.functionCpus = lambdaFunctionCpus(this.memoryMb);
    this.maxConcurrency = options.maxConcurrency ?? LAMBDA_DEFAULT_MAX_CONCURRENCY;
    if (!Number.isInteger(this.maxConcurrency) || this.maxConcurrency < 1)
      throw new RangeError(`maxConcurrency must be an integer >= 1, got ${this.maxConcurrency}`);
    this.functionName =
      options.functionName ??
      functionNameFor(options.functionPrefix ?? DEFAULT_FUNCTION_PREFIX, this.memoryMb);
    this.retry = resolveRetryPolicy(options.retry, INVOKE_RETRY_DEFAULTS);
    this.retryClock = options.retryClock ?? systemRetryClock;
    this.endpoint = describeEndpoint(options);
    this.region = options.region;
    this.qualifier = options.qualifier;
    this.log = options.log;
    this.invocations = new RemoteInvocations({
      memoryMb: this.memoryMb,
      maxConcurrency: this.maxConcurrency,
      timeoutMs: options.timeoutMs ?? LAMBDA_DEFAULT_TIMEOUT_MS,
      refusePayload: (bytes) =>
        bytes > LAMBDA_MAX_SYNC_PAYLOAD_BYTES
          ? `payload of ${bytes} bytes is over Lambda's ${LAMBDA_MAX_SYNC_PAYLOAD_BYTES}-byte limit for synchronous invokes: use fewer inputs per invocation`
          : undefined,
    });
    this.client =
      options.client ??
      createLambdaClient({
        ...(options.region ? { region: options.region } : {}),
        ...(options.endpoint ? { endpoint: options.endpoint } : {}),
        maxAttempts: 1,
        maxSockets: Math.max(LAMBDA_AGENT_MAX_SOCKETS, this.maxConcurrency),
      });
  }

  async invoke(payload: WorkerPayload, options: InvokeOptions = {}): Promise<Invocation> {
    return this.invocations.run(payload, options, (call) => this.send(call));
  }

  /** Sends the invoke, retrying throttling and transient failures until it answers or gives up. */
  private async send({
    invocationId,
    submittedAt,
    body,
    signal,
    stopped,
    fail,
    stoppedWhileOut,
  }: RemoteCall): Promise<Invocation> {
    const context = {
      operation: 'Invoke',
      functionName: this.functionName,
      endpoint: this.endpoint,
      ...(this.region ? { region: this.region } : {}),
      maxRetryAfterMs: this.retry.maxDelayMs,
    };
    let sentAt = steadyNow();
    const outcome = await retryWithBackoff<Invocation, LambdaFailure>(
      async () => {
        sentAt = steadyNow();
        const t0 = performance.now();
        let output: InvokeCommandOutput;
        try {
          this.counters.requests++;
          output = await this.client.send(
            new InvokeCommand({
              FunctionName: this.functionName,
              ...(this.qualifier ? { Qualifier: this.qualifier } : {}),
              InvocationType: 'RequestResponse',
              LogType: 'Tail',
              Payload: body,
            }),
            { abortSignal: signal },
          );
        } catch (err) {
          if (signal.aborted) return { done: stoppedWhileOut(sentAt) };
          const failure = classifyLambdaError(err, { ...context, wallNowMs: this.retryClock.wallNow() });
          if (failure.kind === 'throttled') this.counters.throttled++;
          if (RETRIED_KINDS.has(failure.kind)) return { failed: failure, retryAfterMs: failure.retryAfterMs };
          return {
            done: fail(
              new BackendError(failure.message, false, 0, { cause: new Error(failure.code) }),
              sentAt,
            ),
          };
        }
        return { done: this.toInvocation(output, invocationId, submittedAt, sentAt, performance.now() - t0) };
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
    const { failure, attempts } = outcome;
    return fail(
      new BackendError(`${failure.message}; gave up after ${attempts} attempts`, true, outcome.retryAfterMs, {
        cause: new Error(failure.code),
      }),
      sentAt,
    );
  }

  private toInvocation(
    output: InvokeCommandOutput,
    invocationId: string,
    submittedAt: number,
    sentAt: number,
    roundTripMs: number,
  ): Invocation {
    const endedAt = steadyNow();
    const log = decodeLogTail(output.LogResult);
    const report = parseReport(log);
    if (log && this.log)
      this.log.write(`[${this.functionName} ${report?.requestId ?? ''}]\n${log.replace(/\n?$/, '\n')}`);
    const durationMs = report?.durationMs ?? roundTripMs;
    const startedAt = Math.min(endedAt, Math.max(sentAt, endedAt - Math.ceil(durationMs)));
    const stats: InvocationStats = {
      ...invocationStats(this.memoryMb, invocationId, submittedAt, startedAt, endedAt, durationMs),
      billedMs: handlerBilledMs(report ?? {}, durationMs),
      initMs: Math.round(report?.initDurationMs ?? 0),
      cold: report?.initDurationMs !== undefined,
      ...(report?.maxMemoryUsedMb !== undefined ? { maxMemoryUsedMb: report.maxMemoryUsedMb } : {}),
    };
    const reply = readFunctionReply(output.Payload, output.FunctionError, this.functionName);
    return reply.ok ? { ok: true, result: reply.result, stats } : { ok: false, error: reply.error, stats };
  }

  async close(): Promise<void> {
    if (!this.invocations.close()) return;
    this.client.destroy();
  }
}
