/** Request and response helpers and the request record of the local Lambda test server. */
import { randomUUID } from 'node:crypto';
import type http from 'node:http';

/** One request as the server saw it. */
export interface RecordedRequest {
  operation: string;
  method: string;
  path: string;
  functionName?: string;
  invocationType?: string;
  logType?: string;
  status: number;
  /** The TCP connection that carried it, numbered from 1 in the order they opened. */
  connection: number;
}

export function sendJson(
  res: http.ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'x-amzn-requestid': randomUUID(), ...headers });
  res.end(text);
}

export function sendError(
  res: http.ServerResponse,
  status: number,
  type: string,
  message: string,
  extra: object = {},
  headers: Record<string, string> = {},
): void {
  sendJson(
    res,
    status,
    { Type: status >= 500 ? 'Service' : 'User', message, ...extra },
    { 'x-amzn-errortype': type, ...headers },
  );
}

/** The largest request body the server reads; beyond it a body reads as null. */
const MAX_BODY_BYTES = 80 * 1024 * 1024;

/** A request's body, or null when it is larger than {@link MAX_BODY_BYTES}. */
export function readBody(req: http.IncomingMessage): Promise<Buffer | null> {
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
