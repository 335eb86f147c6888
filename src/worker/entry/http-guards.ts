/**
 * The checks the HTTP function makes before it reads a request's body, and the status of each
 * way an invocation can fail. Without a token, a server on loopback answers only requests
 * addressed to a loopback name (`Host`), from no other web origin: a web page cannot make a
 * browser run invocations (a cross-site "simple request", or DNS rebinding of a name of its own
 * onto 127.0.0.1). Every invocation must be `application/json`, which no cross-site form or
 * "simple request" can send.
 */
import type http from 'node:http';
import { AccessError, UserError } from '../../errors.js';
import { isLoopbackName } from '../../util/loopback.js';
import { sameSecret } from '../../util/secret.js';

/** A refused request: its status, error type and message. */
export interface Refusal {
  status: number;
  errorType: string;
  message: string;
  headers?: Record<string, string>;
}

/** The host name of a `Host` header (`name:port`, `[v6]:port`), or undefined when malformed. */
export function hostOfHeader(value: string | undefined): string | undefined {
  if (value === undefined || value === '') return undefined;
  try {
    const url = new URL(`http://${value}`);
    return url.hostname;
  } catch {
    return undefined;
  }
}

/** True when the origin of a browser request (`Origin`) is this machine, or absent. */
function isLoopbackOrigin(origin: string | undefined): boolean {
  if (origin === undefined) return true;
  try {
    return isLoopbackName(new URL(origin).hostname);
  } catch {
    return false;
  }
}

/** True for `application/json`, with parameters (`; charset=utf-8`) or without. */
export function isJsonContentType(value: string | undefined): boolean {
  return (value ?? '').split(';')[0]?.trim().toLowerCase() === 'application/json';
}

/**
 * Why a server on loopback without a token refuses `req` (any path, `/healthz` included): it is
 * addressed to another name than a loopback one (DNS rebinding), or sent by a web page of another
 * origin; undefined when neither.
 */
export function foreignRequestRefusal(req: http.IncomingMessage): Refusal | undefined {
  const host = hostOfHeader(req.headers.host);
  if (host === undefined || !isLoopbackName(host))
    return {
      status: 403,
      errorType: 'Forbidden',
      message: `a function without a token answers only requests to a loopback host (Host: ${JSON.stringify(req.headers.host ?? '')})`,
    };
  if (!isLoopbackOrigin(req.headers.origin))
    return {
      status: 403,
      errorType: 'Forbidden',
      message: `a function without a token answers no web page of another origin (Origin: ${JSON.stringify(req.headers.origin)})`,
    };
  return undefined;
}

/**
 * Why an `/invoke` request is refused before its body is read (undefined when it may go on):
 * a missing or wrong token (401); without a token and on loopback only, a non-loopback `Host`
 * or `Origin` (403); a body that is not `application/json` (415).
 */
export function invokeRefusal(
  req: http.IncomingMessage,
  options: { token: string | undefined; loopbackOnly: boolean },
): Refusal | undefined {
  const { token } = options;
  if (token && !sameSecret(String(req.headers.authorization ?? ''), `Bearer ${token}`)) {
    return {
      status: 401,
      errorType: 'Unauthorized',
      message: 'missing or wrong bearer token',
      headers: { 'www-authenticate': 'Bearer' },
    };
  }
  if (!token && options.loopbackOnly) {
    const refusal = foreignRequestRefusal(req);
    if (refusal) return refusal;
  }
  if (!isJsonContentType(req.headers['content-type']))
    return {
      status: 415,
      errorType: 'UnsupportedMediaType',
      message: `the payload must be sent as application/json (got ${JSON.stringify(req.headers['content-type'] ?? 'none')})`,
    };
  return undefined;
}

/**
 * The status of a failed invocation: 403 for a payload that asks for what the deployment does
 * not allow, 400 for any other mistake in the payload or its model, 500 for the function's own
 * failures.
 */
export function statusOfError(err: unknown): number {
  if (err instanceof AccessError) return 403;
  if (err instanceof UserError) return 400;
  return 500;
}
