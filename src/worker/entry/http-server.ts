/**
 * The function as an HTTP server (`obifaas serve-function`), for any container platform:
 * `POST /invoke` runs one payload through the same handler as the other runtimes and answers
 * the worker result (or `{errorType, errorMessage}`); `GET /healthz` says it is up. Binds
 * 127.0.0.1 by default; with a token, `/invoke` requires `Authorization: Bearer <token>`;
 * without one, it answers only loopback `Host` values (`http-guards.ts`). Bodies must be
 * `application/json` (415), within the size limit (413) and sent within the body timeout (408);
 * a payload mistake is a 4xx (403 for what the deployment does not allow). Invocations beyond
 * `concurrency` get 429 with `Retry-After`, once their body is read: a slow client never holds
 * a slot. A client that disconnects cancels its invocation. While the function cannot serve
 * (stuck inference threads hold its cores, `function-health.ts`), `/healthz` answers 503 with the
 * reason and `/invoke` refuses with 503 and `Retry-After`, which the http backend retries.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  DEFAULT_BODY_TIMEOUT_MS,
  DEFAULT_FUNCTION_PORT,
  DEFAULT_MAX_REQUEST_BYTES,
  HEALTH_PATH,
  INVOKE_PATH,
  STATS_HEADERS,
  UNHEALTHY_ERROR_TYPE,
  UNHEALTHY_RETRY_AFTER_S,
} from '../../protocol/http-function.js';
import { FunctionUnhealthyError, UserError } from '../../errors.js';
import { Semaphore } from '../../util/semaphore.js';
import { joinHostPort } from '../../util/loopback.js';
import { handle } from '../handler.js';
import { functionHealth, healthSettings } from '../function-health.js';
import type { WorkerPayload } from '../../protocol/invocation.js';
import { deploymentFromEnv, type FunctionDeployment } from '../access/grant-work.js';
import { foreignRequestRefusal, invokeRefusal, statusOfError } from './http-guards.js';
import { DRAIN_FACTOR, readBody } from './http-body.js';

import { errorBody } from '../../protocol/function-reply.js';
import { FUNCTION_REPLY_LIMITS } from '../../protocol/limits.js';

/** How `serve-function` runs the function server: where it listens, who may invoke it, its limits. */
export interface FunctionServerOptions {
  /** Port (default `DEFAULT_FUNCTION_PORT`, 8080; 0 = any free port). */
  port?: number;
  /** Interface to bind (default 127.0.0.1). */
  host?: string;
  /** Bearer token `/invoke` requires; none = no check (loopback only, unless `allowNoToken`). */
  token?: string;
  /** Serve a non-loopback address without a token (a platform in front authenticates). */
  allowNoToken?: boolean;
  /** Largest request body (default 10 MB). */
  maxRequestBytes?: number;
  /** Invocations at once (default 1, like one function instance). */
  concurrency?: number;
  /** Longest time to receive a request's body (default 30 s). */
  bodyTimeoutMs?: number;
  /** What the function may read and dial (default: from the environment). */
  deployment?: FunctionDeployment;
  /** One line per invocation (default: none). */
  log?: (line: string) => void;
  /** Called with the reason each time the function is found unable to serve. */
  onUnhealthy?: (reason: string) => void;
}

/** A listening function server. */
export interface FunctionServer {
  /** `http://host:port` */
  url: string;
  port: number;
  /** Stops accepting, cancels running invocations, and closes. */
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

function reply(
  res: http.ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}

function errorReply(
  res: http.ServerResponse,
  status: number,
  errorType: string,
  errorMessage: string,
  headers: Record<string, string> = {},
): void {
  reply(res, status, { errorType, errorMessage }, headers);
}

/** Starts the server; resolves once it listens. Throws `UserError` for an unsafe or busy address. */
export async function startFunctionServer(options: FunctionServerOptions = {}): Promise<FunctionServer> {
  const host = options.host ?? '127.0.0.1';
  const token = options.token && options.token !== '' ? options.token : undefined;
  if (!token && !LOOPBACK.has(host) && !options.allowNoToken) {
    throw new UserError(
      `refusing to serve on ${host} without a token: set --token or OBIFAAS_FUNCTION_TOKEN, or --allow-no-token when a platform in front authenticates`,
    );
  }
  const maxBytes = options.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES;
  const concurrency = options.concurrency ?? 1;
  if (!Number.isInteger(concurrency) || concurrency < 1)
    throw new UserError(`concurrency: expected an integer >= 1, got ${concurrency}`);
  const initMs = performance.now();
  let cold = true;
  /** Admission that refuses (429) instead of queueing, as a function instance does. */
  const slots = new Semaphore(concurrency);
  const controllers = new Set<AbortController>();

  const bodyTimeoutMs = options.bodyTimeoutMs ?? DEFAULT_BODY_TIMEOUT_MS;
  const deployment = options.deployment ?? deploymentFromEnv();
  const loopbackOnly = LOOPBACK.has(host) && !options.allowNoToken;

  const invoke = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const refusal = invokeRefusal(req, { token, loopbackOnly });
    if (refusal) {
      req.resume();
      return errorReply(res, refusal.status, refusal.errorType, refusal.message, refusal.headers);
    }
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > maxBytes) {
      const tooLarge = (): void =>
        errorReply(
          res,
          413,
          'RequestTooLarge',
          `request body of ${declared} bytes is over the ${maxBytes}-byte limit`,
          {
            connection: 'close',
          },
        );
      // Far over the limit: answer at once (the socket is cut after a few times the limit).
      const drained = readBody(req, maxBytes, bodyTimeoutMs).catch(() => null);
      if (declared <= DRAIN_FACTOR * maxBytes) await drained;
      return tooLarge();
    }
    const controller = new AbortController();
    controllers.add(controller);
    res.on('close', () => {
      if (!res.writableFinished) controller.abort(new Error('client disconnected'));
    });
    try {
      const body = await readBody(req, maxBytes, bodyTimeoutMs);
      if (body === 'too-large') {
        return errorReply(res, 413, 'RequestTooLarge', `request body is over the ${maxBytes}-byte limit`, {
          connection: 'close',
        });
      }
      if (body === 'timeout') {
        errorReply(res, 408, 'RequestTimeout', `the request body did not arrive within ${bodyTimeoutMs} ms`, {
          connection: 'close',
        });
        req.destroy();
        return;
      }
      const health = functionHealth();
      if (!health.ok) return refuseUnhealthy(res, health.reason);
      if (!slots.tryAcquire()) {
        return errorReply(res, 429, 'Busy', `this function runs ${concurrency} invocation(s) at once`, {
          'retry-after': '1',
        });
      }
      try {
        await run(body, res, controller.signal);
      } finally {
        slots.release();
      }
    } finally {
      controllers.delete(controller);
    }
  };

  /** Runs one payload (the body of a request holding a slot) and answers. */
  const run = async (body: Buffer, res: http.ServerResponse, signal: AbortSignal): Promise<void> => {
    let payload: WorkerPayload;
    try {
      payload = JSON.parse(body.toString('utf8')) as WorkerPayload;
    } catch {
      return errorReply(res, 400, 'UserError', 'request body is not valid JSON');
    }
    const wasCold = cold;
    cold = false;
    const t0 = performance.now();
    const stats = (): Record<string, string> => ({
      [STATS_HEADERS.cold]: String(wasCold),
      [STATS_HEADERS.durationMs]: (performance.now() - t0).toFixed(3),
      [STATS_HEADERS.maxMemoryUsedMb]: String(Math.ceil(process.resourceUsage().maxRSS / 1024)),
      ...(wasCold ? { [STATS_HEADERS.initMs]: initMs.toFixed(3) } : {}),
    });
    try {
      const result = await handle(payload, { signal, deployment, replyLimit: FUNCTION_REPLY_LIMITS.http });
      reply(res, 200, result, stats());
      options.log?.(`invoke ok ${(performance.now() - t0).toFixed(0)} ms`);
    } catch (err) {
      if (err instanceof FunctionUnhealthyError) {
        options.log?.(`invoke refused ${(performance.now() - t0).toFixed(0)} ms: ${err.name}`);
        return refuseUnhealthy(res, err.message, stats());
      }
      const { errorType, errorMessage } = errorBody(err);
      errorReply(res, statusOfError(err), errorType, errorMessage, {
        ...stats(),
        [STATS_HEADERS.functionError]: 'Unhandled',
      });
      options.log?.(`invoke failed ${(performance.now() - t0).toFixed(0)} ms: ${errorType}`);
    }
  };

  /** 503 with `Retry-After`: the invocation may run elsewhere, or here once replaced. */
  const refuseUnhealthy = (
    res: http.ServerResponse,
    reason: string,
    headers: Record<string, string> = {},
  ): void => {
    options.onUnhealthy?.(reason);
    errorReply(res, 503, UNHEALTHY_ERROR_TYPE, reason, {
      ...headers,
      'retry-after': String(UNHEALTHY_RETRY_AFTER_S),
    });
  };

  const server = http.createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const foreign = !token && loopbackOnly ? foreignRequestRefusal(req) : undefined;
    if (foreign && path !== INVOKE_PATH) {
      req.resume();
      return errorReply(res, foreign.status, foreign.errorType, foreign.message);
    }
    if (path === HEALTH_PATH && (req.method === 'GET' || req.method === 'HEAD')) {
      req.resume();
      const health = functionHealth();
      if (!health.ok) options.onUnhealthy?.(health.reason);
      return reply(res, health.ok ? 200 : 503, {
        ...health,
        // The deployment's stuck wait, as the function read it.
        stuckAfterMs: healthSettings().stuckAfterMs,
        busy: slots.inUse,
        node: process.version,
        platform: `${process.platform}-${process.arch}`,
      });
    }
    if (path === INVOKE_PATH && req.method === 'POST') {
      invoke(req, res).catch((err: unknown) => errorReply(res, 500, 'InternalError', String(err)));
      return;
    }
    req.resume();
    errorReply(
      res,
      path === INVOKE_PATH ? 405 : 404,
      'NotFound',
      `no ${req.method} ${path}: POST ${INVOKE_PATH} or GET ${HEALTH_PATH}`,
    );
  });
  server.requestTimeout = 0; // invocations may run for many minutes
  const listenPort = options.port ?? DEFAULT_FUNCTION_PORT;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      reject(
        err.code === 'EADDRINUSE' || err.code === 'EACCES' || err.code === 'EADDRNOTAVAIL'
          ? new UserError(`cannot listen on ${joinHostPort(host, listenPort)} (${err.code})`)
          : err,
      );
    });
    server.listen(listenPort, host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${joinHostPort(host, port)}`,
    port,
    async close() {
      for (const c of controllers) c.abort(new Error('server closing'));
      server.closeIdleConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
