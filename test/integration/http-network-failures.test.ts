/**
 * How the http backend sorts a network failure, from errors that real sockets on loopback
 * raise: a closed port and a server that resets each connection, met through the backend's own
 * transport (`postJson`, the socket's error itself) and through fetch (which wraps it in
 * `TypeError: fetch failed`). Both ways give the same kind and message, except that the
 * backend's transport knows when a connection broke after the request had gone out (`lost`).
 */
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpBackend } from '../../src/backends/http/http-backend.js';
import { classifyHttpFailure } from '../../src/backends/http/http-errors.js';
import { ConnectionLostError, createAgents, postJson } from '../../src/backends/http/post.js';
import { BackendError } from '../../src/errors.js';
import { closedPort } from '../support/closed-port.js';

/** A server that resets every connection once the request's first bytes arrive. */
let resetting: net.Server;
let resettingUrl: string;
let refusingUrl: string;

beforeAll(async () => {
  resetting = net.createServer((socket) => {
    socket.on('error', () => undefined);
    socket.once('data', () => socket.resetAndDestroy());
  });
  await new Promise<void>((resolve) => resetting.listen(0, '127.0.0.1', resolve));
  resettingUrl = `http://127.0.0.1:${(resetting.address() as AddressInfo).port}`;
  refusingUrl = `http://127.0.0.1:${await closedPort()}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => resetting.close(() => resolve()));
});

const body = Buffer.from('{"kind":"ping"}');

/** The error that the backend's transport rejects with. */
async function postError(url: string): Promise<unknown> {
  const agents = createAgents(1);
  try {
    await postJson(new URL('/invoke', url), body, {
      agents,
      signal: new AbortController().signal,
      maxResponseBytes: 1024,
    });
  } catch (err) {
    return err;
  } finally {
    agents.http.destroy();
  }
  throw new Error(`a POST to ${url} succeeded`);
}

/** The error that fetch rejects with: its `cause` holds the socket's error. */
async function fetchError(url: string): Promise<unknown> {
  try {
    await fetch(new URL('/invoke', url), { method: 'POST', body });
  } catch (err) {
    return err;
  }
  throw new Error(`a fetch of ${url} succeeded`);
}

describe('network failures of a function URL', () => {
  it("a closed port is unreachable, whether the error is the socket's or wraps it", async () => {
    const wrapped = await fetchError(refusingUrl);
    expect(wrapped).toBeInstanceOf(TypeError);
    for (const err of [await postError(refusingUrl), wrapped]) {
      expect(classifyHttpFailure(err, undefined, refusingUrl, body.length)).toEqual({
        kind: 'unreachable',
        message: `cannot reach the function at ${refusingUrl} (ECONNREFUSED): is 'obifaas serve-function' running there?`,
      });
    }
  });

  it("a reset connection is transient and named by its code, whether the error is the socket's or wraps it", async () => {
    const wrapped = await fetchError(resettingUrl);
    expect(wrapped).toBeInstanceOf(TypeError);
    expect(classifyHttpFailure(wrapped, undefined, resettingUrl, body.length)).toEqual({
      kind: 'transient',
      message: `connection to the function at ${resettingUrl} failed (ECONNRESET)`,
    });
    // The backend's own transport knows the request had gone out on a new connection.
    const lost = await postError(resettingUrl);
    expect(lost).toBeInstanceOf(ConnectionLostError);
    expect(classifyHttpFailure(lost, undefined, resettingUrl, body.length)).toEqual({
      kind: 'lost',
      message: `the connection to the function at ${resettingUrl} broke while it had the invocation (ECONNRESET): did the function's process end?`,
    });
  });

  it('the backend does not send again an invocation whose connection broke once sent: it fails, retryable, saying why', async () => {
    const backend = new HttpBackend({
      urls: [resettingUrl],
      retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 5 },
    });
    try {
      const inv = await backend.invoke({ kind: 'ping' });
      expect(inv.ok).toBe(false);
      if (inv.ok) return;
      expect(inv.error.message).toBe(
        `the connection to the function at ${resettingUrl} broke while it had the invocation (ECONNRESET): did the function's process end?`,
      );
      expect(inv.error).toBeInstanceOf(BackendError);
      expect((inv.error as BackendError).retryable).toBe(true);
      expect(backend.counters).toMatchObject({ requests: 1, retries: 0 });
    } finally {
      await backend.close();
    }
  });
});
