/**
 * Hostile payloads against the real function in each of its runtimes: a local function process
 * (child-process entry), the Lambda handler run by the local Lambda server, and a
 * `serve-function` process. Each payload asks for a file, a bucket, an endpoint or a dispatcher
 * its deployment does not allow, and must be refused naming the field (a 4xx over HTTP, a
 * non-retryable error result elsewhere) without a byte of the canary file coming back, a
 * request reaching the attacker's server, or a connection reaching the attacker's listener.
 * Hostile keys in a valid payload each end as that input's error: one result per key.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ComputeBackend, Invocation } from '../../src/backends/backend.js';
import { LambdaBackend } from '../../src/backends/lambda/lambda-backend.js';
import { LocalBackend } from '../../src/backends/local/local-backend.js';
import type { BackendError } from '../../src/errors.js';
import type { WorkerPayload } from '../../src/protocol/invocation.js';
import { testAccess, testAccessEnv, testAccessFlags } from '../support/function-access.js';
import {
  startFunctionServerProcess,
  stopFunctionServerProcess,
  type FunctionServerProcess,
} from '../support/function-servers.js';
import {
  startLambdaServer,
  useLambdaTestCredentials,
  type LambdaServerHandle,
} from '../support/lambda-server.js';
import {
  HOSTILE_CASES,
  HOSTILE_KEYS,
  hostileWorld,
  validPayload,
  type HostileWorld,
} from './support/hostile-world.js';

let world: HostileWorld;
let local: LocalBackend;
let lambdaServer: LambdaServerHandle;
let lambda: LambdaBackend;
let http: FunctionServerProcess;
let restoreEnv: () => void;

beforeAll(async () => {
  restoreEnv = useLambdaTestCredentials();
  world = await hostileWorld('payloads');
  local = new LocalBackend({
    maxConcurrency: 1,
    log: { write: () => true },
    access: testAccess(world.access),
  });
  lambdaServer = await startLambdaServer({
    functions: [{ name: 'obifaas-worker-3008', memoryMb: 3008, timeoutS: 60 }],
    env: { ...process.env, ...testAccessEnv(world.access) },
  });
  lambda = new LambdaBackend({
    memoryMb: 3008,
    endpoint: lambdaServer.endpoint,
    region: 'us-east-1',
    maxConcurrency: 1,
  });
  http = await startFunctionServerProcess(testAccessFlags(world.access));
});

afterAll(async () => {
  await Promise.all([local?.close(), lambda?.close()]);
  await lambdaServer?.stop();
  if (http) await stopFunctionServerProcess(http);
  await world?.close();
  restoreEnv?.();
});

/** What the attacker saw, checked after every case. */
function expectNothingReachedTheAttacker(): void {
  expect(world.attacker.requests).toEqual([]);
  expect(world.trap.connections).toBe(0);
}

const runtimes: Array<[string, () => ComputeBackend]> = [
  ['local function process', () => local],
  ['Lambda handler', () => lambda],
];

describe.each(runtimes)('%s', (_name, backend) => {
  it.each(HOSTILE_CASES.map((c) => [c.name, c] as const))('refuses %s', async (_case, hostile) => {
    const inv: Invocation = await backend().invoke(hostile.payload(world) as WorkerPayload);
    expect(inv.ok).toBe(false);
    if (inv.ok) return;
    expect(inv.error.message).toMatch(hostile.field);
    expect((inv.error as BackendError).retryable).toBe(false);
    expect(inv.error.message).not.toContain(world.canary);
    expect(inv.error.message).not.toMatch(/AWS_SECRET_ACCESS_KEY|PATH=/);
    expectNothingReachedTheAttacker();
  });

  it('gives each hostile key its own error result, and the good keys their predictions', async () => {
    const keys = [world.keys[0] as string, ...HOSTILE_KEYS, world.keys[1] as string];
    const inv = await backend().invoke(validPayload(world, keys));
    expect(inv.ok, inv.ok ? '' : inv.error.message).toBe(true);
    if (!inv.ok) return;
    const results = inv.result.splits.flatMap((s) => s.results);
    expect(results.map((r) => r.key)).toEqual(keys);
    expect(results[0]?.error).toBeNull();
    expect(results.at(-1)?.error).toBeNull();
    for (const r of results.slice(1, -1)) {
      expect(r.top).toBeNull();
      expect(r.error).toMatch(/cannot load/);
    }
    expect(JSON.stringify(results)).not.toContain(world.canary);
    expectNothingReachedTheAttacker();
  });
});

describe('serve-function', () => {
  const post = async (body: unknown): Promise<{ status: number; text: string }> => {
    const res = await fetch(`${http.url}/invoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, text: await res.text() };
  };

  it.each(HOSTILE_CASES.map((c) => [c.name, c] as const))('answers %s with a 4xx', async (_case, hostile) => {
    const { status, text } = await post(hostile.payload(world));
    expect(status).toBe(hostile.status);
    const body = JSON.parse(text) as { errorType: string; errorMessage: string };
    expect(body.errorMessage).toMatch(hostile.field);
    expect(text).not.toContain(world.canary);
    expectNothingReachedTheAttacker();
  });

  it('still answers a good payload, with one result per key', async () => {
    const keys = [world.keys[0] as string, ...HOSTILE_KEYS];
    const { status, text } = await post(validPayload(world, keys));
    expect(status).toBe(200);
    const results = (JSON.parse(text) as { splits: { results: { key: string; error: string | null }[] }[] })
      .splits[0]!.results;
    expect(results.map((r) => r.key)).toEqual(keys);
    expect(results.filter((r) => r.error !== null)).toHaveLength(HOSTILE_KEYS.length);
    expect(text).not.toContain(world.canary);
  });
});
