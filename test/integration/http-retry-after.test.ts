/**
 * A function URL that answers every invocation 503 with a `Retry-After` far off (999999 s, or a
 * date a year ahead): the http backend waits no longer than its retry policy's longest delay
 * between attempts, and the failure it hands the job asks for no longer a wait either. The
 * backend runs against a loopback HTTP server, its waits and wall clock injected, so the test
 * sees each wait it asks for without sleeping through it.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpBackend } from '../../src/backends/http/http-backend.js';
import { INVOKE_RETRY_DEFAULTS } from '../../src/backends/defaults.js';
import type { Invocation } from '../../src/backends/backend.js';
import { BackendError } from '../../src/errors.js';
import type { RetryClock } from '../../src/util/retry.js';

const WALL_NOW_MS = Date.UTC(2026, 5, 1, 12, 0, 0);

let server: http.Server;
let url: string;
let retryAfter: string;
let requests = 0;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      requests++;
      res.writeHead(503, { 'retry-after': retryAfter, 'content-type': 'text/plain' });
      res.end('Service Unavailable');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** The error of an invocation that failed, as the backend's error. */
function failure(invocation: Invocation): BackendError {
  if (invocation.ok) throw new Error('the invocation succeeded');
  expect(invocation.error).toBeInstanceOf(BackendError);
  return invocation.error as BackendError;
}

/** A clock that records the waits asked of it and ends each at once. */
function recordingClock(): RetryClock & { waits: number[] } {
  const waits: number[] = [];
  return { waits, wallNow: () => WALL_NOW_MS, wait: async (ms) => (waits.push(ms), true) };
}

describe("an HTTP function's Retry-After", () => {
  for (const [what, value] of [
    ['999999 seconds', '999999'],
    ['a date a year ahead', new Date(WALL_NOW_MS + 365 * 86_400_000).toUTCString()],
  ] as const) {
    it(`of ${what} is waited out no longer than the retry policy's longest delay`, async () => {
      retryAfter = value;
      requests = 0;
      const clock = recordingClock();
      const backend = new HttpBackend({ urls: [url], retryClock: clock });
      try {
        const invocation = await backend.invoke({ kind: 'ping' });
        const { maxAttempts, maxDelayMs } = INVOKE_RETRY_DEFAULTS;
        expect(requests).toBe(maxAttempts);
        expect(clock.waits).toEqual(Array<number>(maxAttempts - 1).fill(maxDelayMs));
        const error = failure(invocation);
        expect(error.message).toMatch(/is busy \(HTTP 503\); gave up after 8 attempts/);
        expect(error.retryable).toBe(true);
        expect(error.retryAfterMs).toBe(maxDelayMs);
      } finally {
        await backend.close();
      }
    });
  }

  it('is bounded by a shorter longest delay set for the backend', async () => {
    retryAfter = '999999';
    requests = 0;
    const clock = recordingClock();
    const backend = new HttpBackend({
      urls: [url],
      retry: { maxAttempts: 3, maxDelayMs: 1_500 },
      retryClock: clock,
    });
    try {
      const invocation = await backend.invoke({ kind: 'ping' });
      expect(requests).toBe(3);
      expect(clock.waits).toEqual([1_500, 1_500]);
      expect(failure(invocation).retryAfterMs).toBe(1_500);
    } finally {
      await backend.close();
    }
  });
});
