/**
 * The `Invoke` operation of the local Lambda test server: throttling on demand (429, or 500
 * `ServiceException`, before a handler runs), the 6 MB payload limit, reserved concurrency (a
 * function's busy containers), a cold or warm container of the function's pool, and the answer
 * Lambda gives: the handler's output, `X-Amz-Function-Error` for handler errors and, with
 * `X-Amz-Log-Type: Tail`, a base64 log tail ending in a `REPORT` line.
 */
import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import type { ContainerPool } from './lambda-containers.js';
import { readBody, sendError, sendJson, type RecordedRequest } from './lambda-http.js';
import type { FunctionRecord } from './lambda-management.js';

/** Requests answered with 429 before a handler runs. */
export interface ThrottlePlan {
  /** Throttle the first N invokes (counted from when the plan is set). */
  firstRequests?: number;
  /** Throttle this fraction of invokes (seeded, so runs repeat). */
  fraction?: number;
  seed?: number;
  /** `Retry-After` seconds sent with each 429. */
  retryAfterSeconds?: number;
  /** Answer 500 `ServiceException` instead of 429. */
  asServiceError?: boolean;
}

const MAX_INVOKE_PAYLOAD_BYTES = 6 * 1024 * 1024;
const LOG_TAIL_BYTES = 4096;

/** A small seeded generator (mulberry32), so throttling fractions repeat between runs. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Which invokes a throttle plan answers before a handler runs, counted from when it is set. */
export class Throttle {
  plan: ThrottlePlan | undefined;
  private throttledSincePlan = 0;
  private random = seeded(1);

  constructor(plan?: ThrottlePlan) {
    this.set(plan);
  }

  set(plan: ThrottlePlan | undefined): void {
    this.plan = plan;
    this.throttledSincePlan = 0;
    this.random = seeded(plan?.seed ?? 1);
  }

  /** Whether the next invoke is throttled. */
  next(): boolean {
    const plan = this.plan;
    if (!plan) return false;
    if (plan.firstRequests !== undefined && this.throttledSincePlan < plan.firstRequests) {
      this.throttledSincePlan++;
      return true;
    }
    return plan.fraction !== undefined && this.random() < plan.fraction;
  }
}

/** What an invoke needs of the server: its functions, their container pools, its throttling. */
export interface InvokeContext {
  functions: Map<string, FunctionRecord>;
  poolOf(fn: FunctionRecord): ContainerPool;
  throttle: Throttle;
  /** Containers per function; invokes beyond get 429 (reserved concurrency). */
  maxContainers: number;
}

function reportLine(
  requestId: string,
  durationMs: number,
  memoryMb: number,
  usedMb: number,
  initMs?: number,
): string {
  // Billed from the duration as printed, so that the line agrees with itself (54.001 ms prints
  // as 54.00 and is billed 54 ms, not 55).
  const printed = durationMs.toFixed(2);
  const fields = [
    `REPORT RequestId: ${requestId}`,
    `Duration: ${printed} ms`,
    `Billed Duration: ${Math.max(1, Math.ceil(Number(printed)))} ms`,
    `Memory Size: ${memoryMb} MB`,
    `Max Memory Used: ${usedMb} MB`,
  ];
  if (initMs !== undefined) fields.push(`Init Duration: ${initMs.toFixed(2)} ms`);
  return `${fields.join('\t')}\t\n`;
}

/** The last 4 KB of an invocation's log, as Lambda returns it. */
function logTail(text: string): string {
  const bytes = Buffer.from(text, 'utf8');
  return bytes.subarray(Math.max(0, bytes.length - LOG_TAIL_BYTES)).toString('base64');
}

/** Runs an invoke of function `name` and answers it as Lambda does. */
export async function invokeFunction(
  context: InvokeContext,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  name: string,
  record: RecordedRequest,
): Promise<void> {
  const fn = context.functions.get(name);
  const body = await readBody(req);
  if (!fn)
    return sendError(
      res,
      404,
      'ResourceNotFoundException',
      `Function not found: arn:aws:lambda:us-east-1:123456789012:function:${name}`,
    );
  const invocationType = String(req.headers['x-amz-invocation-type'] ?? 'RequestResponse');
  if (invocationType !== 'RequestResponse')
    return sendError(
      res,
      400,
      'InvalidParameterValueException',
      `this test server runs RequestResponse invokes only, got ${invocationType}`,
    );
  if (body === null || body.length > MAX_INVOKE_PAYLOAD_BYTES)
    return sendError(
      res,
      413,
      'RequestTooLargeException',
      'Request must be smaller than 6291456 bytes for the InvokeFunction operation',
    );
  if (context.throttle.next()) {
    if (context.throttle.plan?.asServiceError)
      return sendError(res, 500, 'ServiceException', 'Lambda encountered an internal error.');
    const retryAfter = context.throttle.plan?.retryAfterSeconds;
    return sendError(
      res,
      429,
      'TooManyRequestsException',
      'Rate Exceeded.',
      { Reason: 'ConcurrentInvocationLimitExceeded' },
      retryAfter !== undefined ? { 'retry-after': String(retryAfter) } : {},
    );
  }
  const pool = context.poolOf(fn);
  if (pool.busy >= context.maxContainers) {
    record.status = 429;
    return sendError(res, 429, 'TooManyRequestsException', 'Rate Exceeded.', {
      Reason: 'ReservedFunctionConcurrentInvocationLimitExceeded',
    });
  }
  const requestId = randomUUID();
  const { container, cold } = pool.take();
  let initMs: number | undefined;
  const headers: Record<string, string> = { 'x-amz-executed-version': '$LATEST' };
  if (cold) {
    const ready = await container.ready;
    if ('errorType' in ready) {
      container.kill();
      headers['x-amz-function-error'] = 'Unhandled';
      return sendJson(res, 200, { errorType: ready.errorType, errorMessage: ready.errorMessage }, headers);
    }
    initMs = ready.initMs;
  }
  const outcome = await container.run({
    requestId,
    event: body.toString('utf8'),
    timeoutMs: (fn.config.Timeout ?? 3) * 1000,
    functionName: fn.name,
    memoryMb: fn.config.MemorySize ?? 128,
  });
  if (outcome.kind !== 'ok') headers['x-amz-function-error'] = 'Unhandled';
  if (String(req.headers['x-amz-log-type'] ?? '') === 'Tail') {
    const log =
      `START RequestId: ${requestId} Version: $LATEST\n${outcome.log}` +
      `END RequestId: ${requestId}\n` +
      reportLine(requestId, outcome.durationMs, fn.config.MemorySize ?? 128, outcome.maxMemoryUsedMb, initMs);
    headers['x-amz-log-result'] = logTail(log);
  }
  if (res.destroyed) return; // the caller gave up; the container ran to the end anyway
  res.writeHead(200, { 'content-type': 'application/json', 'x-amzn-requestid': requestId, ...headers });
  res.end(outcome.body);
}
