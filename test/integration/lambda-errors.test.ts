/**
 * What the Lambda backend says when it cannot work: nothing listening at the endpoint, wrong
 * credentials (403 from the server), a function that is not deployed, a payload over the limit,
 * an invoke never answered (timed out, billed the time it was out).
 * Each is a failed invocation with one clear line, and not retried when retrying cannot help.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LambdaBackend } from '../../src/backends/lambda/lambda-backend.js';
import { BackendError } from '../../src/errors.js';
import type { WorkerPayload } from '../../src/protocol/invocation.js';
import {
  startLambdaServer,
  useLambdaTestCredentials,
  type LambdaServerHandle,
} from '../support/lambda-server.js';
import { closedPort } from '../support/closed-port.js';
import { expectTimedOutAndBilled } from '../support/stopped-billing.js';

let server: LambdaServerHandle;
let restoreEnv: () => void;

beforeAll(async () => {
  restoreEnv = useLambdaTestCredentials();
  server = await startLambdaServer({ functions: [{ name: 'obifaas-worker-3008' }] });
});
afterAll(async () => {
  await server?.stop();
  restoreEnv?.();
});

async function failureOf(
  backend: LambdaBackend,
  payload: WorkerPayload = { kind: 'ping' },
): Promise<BackendError> {
  try {
    const inv = await backend.invoke(payload);
    expect(inv.ok).toBe(false);
    if (inv.ok) throw new Error('expected a failure');
    expect(inv.error).toBeInstanceOf(BackendError);
    return inv.error as BackendError;
  } finally {
    await backend.close();
  }
}

function expectOneCleanLine(message: string): void {
  expect(message).not.toContain('\n');
  expect(message).not.toMatch(/\bat .*\.(js|ts):\d+/);
  expect(message).not.toContain('test-secret-not-checked');
}

describe('lambda backend failures', () => {
  it('names an unreachable endpoint and does not retry it', async () => {
    const endpoint = `http://127.0.0.1:${await closedPort()}`;
    const backend = new LambdaBackend({ memoryMb: 3008, endpoint, region: 'us-east-1' });
    const error = await failureOf(backend);
    expect(error.message).toBe(
      `cannot reach the Lambda endpoint ${endpoint} (ECONNREFUSED): check the region, --endpoint and the network`,
    );
    expect(error.retryable).toBe(false);
    expect(backend.counters.requests).toBe(1);
  });

  it('says the credentials were rejected (403 UnrecognizedClientException), without a stack', async () => {
    const restore = useLambdaTestCredentials('AKIAWRONGKEY');
    try {
      const backend = new LambdaBackend({ memoryMb: 3008, endpoint: server.endpoint, region: 'us-east-1' });
      const error = await failureOf(backend);
      expect(error.message).toMatch(
        /AWS rejected the credentials for Invoke on function 'obifaas-worker-3008'.*UnrecognizedClientException.*AWS_ACCESS_KEY_ID/,
      );
      expect(error.message).not.toContain('AKIAWRONGKEY');
      expectOneCleanLine(error.message);
      expect(error.retryable).toBe(false);
      expect(server.requests.at(-1)?.status).toBe(403);
    } finally {
      restore();
    }
  });

  it('says which function is missing and how to deploy it', async () => {
    const backend = new LambdaBackend({ memoryMb: 10240, endpoint: server.endpoint, region: 'us-east-1' });
    const error = await failureOf(backend);
    expect(error.message).toMatch(/function 'obifaas-worker-10240' not found in us-east-1 .*obifaas deploy/);
    expectOneCleanLine(error.message);
    expect(error.retryable).toBe(false);
  });

  it('refuses a payload over the 6 MB synchronous limit before sending it', async () => {
    const backend = new LambdaBackend({ memoryMb: 3008, endpoint: server.endpoint, region: 'us-east-1' });
    const before = server.requests.length;
    const keys = Array.from(
      { length: 70_000 },
      (_, i) => `images/${String(i).padStart(6, '0')}-${'x'.repeat(80)}.jpg`,
    );
    const payload = {
      kind: 'static',
      jobId: 'j',
      workerId: 'w',
      model: { uri: '/m.onnx' },
      storage: { type: 'fs', root: '/' },
      pipeline: {
        load: { concurrency: 1 },
        preprocess: { concurrency: 1 },
        predict: { batchSize: 1, intraOpThreads: 1, interOpThreads: 1, replicas: 1 },
        topK: 1,
      },
      splits: [{ splitId: 's', keys }],
    } as WorkerPayload;
    const error = await failureOf(backend, payload);
    expect(error.message).toMatch(/over Lambda's 6291456-byte limit .*fewer inputs per invocation/);
    expect(error.retryable).toBe(false);
    expect(server.requests.length).toBe(before);
  });

  it('retries 5xx service errors with backoff, then succeeds', async () => {
    const backend = new LambdaBackend({
      memoryMb: 3008,
      endpoint: server.endpoint,
      region: 'us-east-1',
      retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 1 },
    });
    server.setThrottle({ firstRequests: 2, asServiceError: true });
    try {
      const inv = await backend.invoke({ kind: 'ping' });
      expect(inv.ok, inv.ok ? '' : inv.error.message).toBe(true);
      expect(backend.counters).toMatchObject({ requests: 3, retries: 2, throttled: 0 });
      expect(
        server.requests
          .filter((r) => r.operation === 'Invoke')
          .slice(-3)
          .map((r) => r.status),
      ).toEqual([500, 500, 200]);
    } finally {
      server.setThrottle(undefined);
      await backend.close();
    }
  });

  it('times out an invoke that is never answered and bills the time its request was out', async () => {
    const held: http.ServerResponse[] = [];
    const silent = http.createServer((_request, response) => held.push(response));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    const backend = new LambdaBackend({
      memoryMb: 3008,
      endpoint: `http://127.0.0.1:${port}`,
      region: 'us-east-1',
      timeoutMs: 300,
      retry: { maxAttempts: 1 },
    });
    try {
      expectTimedOutAndBilled(await backend.invoke({ kind: 'ping' }), 300);
      expect(held.length).toBe(1);
    } finally {
      await backend.close();
      for (const response of held) response.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it("waits at least the server's Retry-After before trying again", async () => {
    const backend = new LambdaBackend({
      memoryMb: 3008,
      endpoint: server.endpoint,
      region: 'us-east-1',
      retry: { baseDelayMs: 1, maxDelayMs: 2_000 },
    });
    expect((await backend.invoke({ kind: 'ping' })).ok).toBe(true); // warm the container first
    server.setThrottle({ firstRequests: 1, retryAfterSeconds: 1 });
    try {
      const t0 = Date.now();
      const inv = await backend.invoke({ kind: 'ping' });
      expect(inv.ok, inv.ok ? '' : inv.error.message).toBe(true);
      expect(Date.now() - t0).toBeGreaterThanOrEqual(1_000);
      expect(backend.counters.throttled).toBe(1);
    } finally {
      server.setThrottle(undefined);
      await backend.close();
    }
  });
});
