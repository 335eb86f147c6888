/** One JSON POST over a keep-alive agent, cancellable, with a cap on the response size. */
import http from 'node:http';
import https from 'node:https';

export interface HttpReply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** Sockets per host in the backend's agents: enough for 1,000 invocations in flight. */
export const HTTP_AGENT_MAX_SOCKETS = 1_000;

export interface Agents {
  http: http.Agent;
  https: https.Agent;
}

export function createAgents(maxSockets = HTTP_AGENT_MAX_SOCKETS): Agents {
  const options = { keepAlive: true, keepAliveMsecs: 30_000, maxSockets };
  return { http: new http.Agent(options), https: new https.Agent(options) };
}

/** Raised when the response is larger than allowed. */
export class ResponseTooLargeError extends Error {
  override name = 'ResponseTooLargeError';
}

/**
 * The connection broke once the whole request had gone out on a new connection, before the
 * answer came: the function may have run (part of) the invocation. Its `cause` is the socket's
 * error. A reused keep-alive connection that breaks is the socket's error itself: the server
 * may have closed it just as the request went out, before reading it.
 */
export class ConnectionLostError extends Error {
  override name = 'ConnectionLostError';
  constructor(cause: Error) {
    super(cause.message, { cause });
  }
}

/**
 * POSTs `body` to `url`. Resolves with any HTTP answer (whatever its status); rejects with the
 * network error (its `code` set), {@link ConnectionLostError} around it, the signal's reason,
 * or {@link ResponseTooLargeError}. An error after the whole response has arrived (a server
 * closing early) does not count.
 */
export function postJson(
  url: URL,
  body: Buffer,
  options: {
    agents: Agents;
    headers?: Record<string, string>;
    signal: AbortSignal;
    maxResponseBytes: number;
  },
): Promise<HttpReply> {
  return new Promise<HttpReply>((resolve, reject) => {
    if (options.signal.aborted) {
      reject(options.signal.reason as Error);
      return;
    }
    const isHttps = url.protocol === 'https:';
    const request = (isHttps ? https : http).request(url, {
      method: 'POST',
      agent: isHttps ? options.agents.https : options.agents.http,
      headers: {
        'content-type': 'application/json',
        'content-length': String(body.length),
        accept: 'application/json',
        ...options.headers,
      },
      signal: options.signal,
    });
    let settled = false;
    let sent = false;
    request.once('finish', () => (sent = true));
    const fail = (err: Error): void => {
      if (settled) return;
      settled = true;
      if (options.signal.aborted) reject(options.signal.reason as Error);
      else if (sent && !request.reusedSocket && !(err instanceof ResponseTooLargeError))
        reject(new ConnectionLostError(err));
      else reject(err);
    };
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > options.maxResponseBytes) {
          fail(new ResponseTooLargeError(`response is over ${options.maxResponseBytes} bytes`));
          response.destroy();
          return;
        }
        chunks.push(chunk);
      });
      response.on('end', () => {
        if (settled) return;
        settled = true;
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) });
      });
      response.on('error', fail);
    });
    request.on('error', fail);
    request.end(body);
  });
}
