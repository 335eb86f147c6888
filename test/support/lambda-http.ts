/** Response helpers and the request record of the local Lambda test server. */
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
