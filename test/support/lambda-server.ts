/**
 * A local server speaking the Lambda REST API on 127.0.0.1, for tests through the real SDK:
 * `Invoke` (synchronous, `X-Amz-Log-Type: Tail` with a base64 log tail ending in a `REPORT`
 * line, `X-Amz-Function-Error` for handler errors, 429 throttling on demand) runs OUR handler
 * in child-process containers (`lambda-containers.ts`: cold and warm starts, function timeouts);
 * the management calls the deploy commands use (create, get, update code and configuration,
 * list, delete) keep function configurations in memory. Requests must carry the configured
 * access key id, or get 403 `UnrecognizedClientException` (signatures are not verified).
 * Functions created through the API run the default handler, not the uploaded zip.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { moduleEntry } from '../../src/util/module-entry.js';
import { ContainerPool } from './lambda-containers.js';
import { sendError, sendJson, type RecordedRequest } from './lambda-http.js';
import { handleManagement, type FunctionRecord } from './lambda-management.js';
import { useAwsTestCredentials } from './aws-env.js';

export type { RecordedRequest } from './lambda-http.js';

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

export interface LambdaServerOptions {
  /** Functions that exist from the start (as if deployed). */
  functions?: Array<{ name: string; memoryMb?: number; timeoutS?: number; handlerFile?: string }>;
  /** Handler module the containers load (default: `src/worker/entry/lambda.ts`). */
  handlerFile?: string;
  /** The access key id requests must be signed with (default `OBIFAASTEST`). */
  accessKeyId?: string;
  throttle?: ThrottlePlan;
  /** Containers per function; invokes beyond get 429 (reserved concurrency). Default 64. */
  maxContainersPerFunction?: number;
  /** GetFunction reports `Pending` / `InProgress` this many times after a create or update. */
  pendingPolls?: number;
  /** Environment of the containers (default: this process's). */
  env?: NodeJS.ProcessEnv;
}

export interface LambdaServerHandle {
  endpoint: string;
  requests: RecordedRequest[];
  functions: Map<string, FunctionRecord>;
  setThrottle(plan: ThrottlePlan | undefined): void;
  /** Pids of a function's live containers. */
  containerPids(functionName: string): number[];
  stop(): Promise<void>;
}

export const TEST_ACCESS_KEY_ID = 'OBIFAASTEST';
const DEFAULT_HANDLER = moduleEntry(import.meta.url, '../../src/worker/entry/lambda').file;
const MAX_INVOKE_PAYLOAD_BYTES = 6 * 1024 * 1024;
const MAX_BODY_BYTES = 80 * 1024 * 1024;
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

function readBody(req: http.IncomingMessage): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => resolve(size > MAX_BODY_BYTES ? null : Buffer.concat(chunks)));
    req.on('error', reject);
  });
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

export async function startLambdaServer(options: LambdaServerOptions = {}): Promise<LambdaServerHandle> {
  const accessKeyId = options.accessKeyId ?? TEST_ACCESS_KEY_ID;
  const functions = new Map<string, FunctionRecord>();
  const pools = new Map<string, ContainerPool>();
  const requests: RecordedRequest[] = [];
  let throttle = options.throttle;
  let throttledSincePlan = 0;
  let random = seeded(throttle?.seed ?? 1);
  const maxContainers = options.maxContainersPerFunction ?? 64;

  const poolOf = (fn: FunctionRecord): ContainerPool => {
    let pool = pools.get(fn.name);
    if (!pool) {
      pool = new ContainerPool(
        () => fn.handlerFile ?? options.handlerFile ?? DEFAULT_HANDLER,
        () => ({
          ...(options.env ?? process.env),
          ...fn.config.Environment?.Variables,
          AWS_LAMBDA_FUNCTION_NAME: fn.name,
          AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.config.MemorySize),
        }),
      );
      pools.set(fn.name, pool);
    }
    return pool;
  };
  const context = {
    functions,
    pendingPolls: options.pendingPolls ?? 0,
    resetContainers: async (name: string) => {
      await pools.get(name)?.killAll();
      pools.delete(name);
    },
  };
  for (const f of options.functions ?? []) {
    functions.set(f.name, {
      name: f.name,
      ...(f.handlerFile ? { handlerFile: f.handlerFile } : {}),
      pendingPolls: 0,
      config: {
        FunctionName: f.name,
        FunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${f.name}`,
        MemorySize: f.memoryMb ?? 3008,
        Timeout: f.timeoutS ?? 60,
        State: 'Active',
        LastUpdateStatus: 'Successful',
      },
    });
  }

  const shouldThrottle = (): boolean => {
    if (!throttle) return false;
    if (throttle.firstRequests !== undefined && throttledSincePlan < throttle.firstRequests) {
      throttledSincePlan++;
      return true;
    }
    return throttle.fraction !== undefined && random() < throttle.fraction;
  };

  const invoke = async (
    req: http.IncomingMessage,
    res: http.ServerResponse,
    name: string,
    record: RecordedRequest,
  ): Promise<void> => {
    const fn = functions.get(name);
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
    if (shouldThrottle()) {
      if (throttle?.asServiceError)
        return sendError(res, 500, 'ServiceException', 'Lambda encountered an internal error.');
      const retryAfter = throttle?.retryAfterSeconds;
      return sendError(
        res,
        429,
        'TooManyRequestsException',
        'Rate Exceeded.',
        { Reason: 'ConcurrentInvocationLimitExceeded' },
        retryAfter !== undefined ? { 'retry-after': String(retryAfter) } : {},
      );
    }
    const pool = poolOf(fn);
    if (pool.busy >= maxContainers) {
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
        reportLine(
          requestId,
          outcome.durationMs,
          fn.config.MemorySize ?? 128,
          outcome.maxMemoryUsedMb,
          initMs,
        );
      headers['x-amz-log-result'] = logTail(log);
    }
    if (res.destroyed) return; // the caller gave up; the container ran to the end anyway
    res.writeHead(200, { 'content-type': 'application/json', 'x-amzn-requestid': requestId, ...headers });
    res.end(outcome.body);
  };

  const connections = new WeakMap<object, number>();
  let connectionsOpened = 0;
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    let connection = connections.get(req.socket);
    if (connection === undefined) {
      connection = ++connectionsOpened;
      connections.set(req.socket, connection);
    }
    const record: RecordedRequest = {
      operation: 'Unknown',
      method: req.method ?? '',
      path: url.pathname,
      status: 200,
      connection,
    };
    requests.push(record);
    const origEnd = res.writeHead.bind(res);
    res.writeHead = ((status: number, ...rest: unknown[]) => {
      record.status = status;
      return (origEnd as (...a: unknown[]) => http.ServerResponse)(status, ...rest);
    }) as typeof res.writeHead;
    const auth = String(req.headers.authorization ?? '');
    if (!auth.includes(`Credential=${accessKeyId}/`)) {
      req.resume();
      return sendError(
        res,
        403,
        'UnrecognizedClientException',
        'The security token included in the request is invalid.',
      );
    }
    const match = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/.exec(url.pathname);
    if (match && req.method === 'POST') {
      record.operation = 'Invoke';
      record.functionName = decodeURIComponent(match[1] ?? '');
      record.invocationType = String(req.headers['x-amz-invocation-type'] ?? '');
      record.logType = String(req.headers['x-amz-log-type'] ?? '');
      invoke(req, res, record.functionName, record).catch((err: unknown) => {
        if (!res.headersSent) sendError(res, 500, 'ServiceException', String(err));
      });
      return;
    }
    void readBody(req).then((body) =>
      handleManagement(context, req, res, url, body ?? Buffer.alloc(0), record),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    functions,
    setThrottle(plan) {
      throttle = plan;
      throttledSincePlan = 0;
      random = seeded(plan?.seed ?? 1);
    },
    containerPids: (name) => pools.get(name)?.pids() ?? [],
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.all([...pools.values()].map((p) => p.killAll()));
    },
  };
}

/** Puts test credentials (the server's access key id) and a region in the environment; returns a restore function. */
export function useLambdaTestCredentials(accessKeyId = TEST_ACCESS_KEY_ID): () => void {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  return useAwsTestCredentials(accessKeyId, 'test-secret-not-checked');
}
