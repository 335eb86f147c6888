/**
 * A property test of the function's payload handling: hundreds of seeded mutations of a valid
 * payload (wrong types, huge sizes, hostile paths and URLs, prototype keys, unknown and missing
 * keys), sent to a real `serve-function` process over HTTP and to the handler in this process.
 * Each must get a bounded, clear answer within a time limit: a result, a 4xx naming the
 * problem, or a 500 of a known kind (the store or dispatcher could not be reached); none may
 * hang, crash the process, reach the attacker, or bring back a byte of the canary planted
 * outside the roots.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handle } from '../../src/worker/handler.js';
import { closeInferencePools } from '../../src/worker/inference-pools.js';
import { testAccessFlags, testDeployment } from '../support/function-access.js';
import {
  startFunctionServerProcess,
  stopFunctionServerProcess,
  type FunctionServerProcess,
} from '../support/function-servers.js';
import { hostileWorld, validPayload, type HostileWorld } from './support/hostile-world.js';
import { mutations, type Mutation } from './support/payload-mutations.js';

const CASES = 300;
const SEED = 20_251_206;
/** Far above what any answer takes, far below a hang. */
const ANSWER_LIMIT_MS = 45_000;

/** Error kinds a function may fail with on its own account (500): unreachable stores or dispatchers. */
const OWN_FAILURES = new Set(['StorageError', 'DispatcherError']);

let world: HostileWorld;
let server: FunctionServerProcess;
let cases: Mutation[];

beforeAll(async () => {
  world = await hostileWorld('fuzz');
  server = await startFunctionServerProcess([...testAccessFlags(world.access), '--max-request-mb', '16'], {
    OBIFAAS_FUNCTION_TOKEN: '',
  });
  cases = mutations(validPayload(world), world, SEED, CASES);
});

afterAll(async () => {
  if (server) await stopFunctionServerProcess(server);
  await closeInferencePools();
  await world?.close();
});

function withLimit<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what}: no answer within ${ANSWER_LIMIT_MS} ms`)),
      ANSWER_LIMIT_MS,
    );
  });
  return Promise.race([promise, limit]).finally(() => clearTimeout(timer));
}

function describeCase(c: Mutation): string {
  return `case ${c.seed}: ${c.changes.join('; ')}`;
}

describe(`${CASES} seeded mutations of a valid payload`, () => {
  it('over HTTP: every one answered in time, 2xx/4xx or a known 500, nothing leaked', async () => {
    const statuses = new Map<number, number>();
    for (const c of cases) {
      const what = describeCase(c);
      const res = await withLimit(
        fetch(`${server.url}/invoke`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: c.text,
        }),
        what,
      );
      const text = await withLimit(res.text(), what);
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      expect([200, 400, 403, 413, 500], what).toContain(res.status);
      if (res.status !== 200) {
        const body = JSON.parse(text) as { errorType: string; errorMessage: string };
        expect(body.errorMessage.length, what).toBeGreaterThan(0);
        if (res.status === 500)
          expect(OWN_FAILURES, `${what}: ${text.slice(0, 300)}`).toContain(body.errorType);
      }
      expect(text, what).not.toContain(world.canary);
      expect(world.attacker.requests, what).toEqual([]);
      expect(world.trap.connections, what).toBe(0);
    }
    // The process is still there, and still works.
    expect(server.child.exitCode).toBeNull();
    const ok = await fetch(`${server.url}/invoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(validPayload(world)),
    });
    expect(ok.status).toBe(200);
    // Most mutations are refusals; some still run.
    expect((statuses.get(400) ?? 0) + (statuses.get(403) ?? 0)).toBeGreaterThan(CASES / 2);
    console.log(`payload fuzz over HTTP, statuses: ${JSON.stringify(Object.fromEntries(statuses))}`);
  });

  it('in this process: every one resolves or throws a clear error in time, nothing leaked', async () => {
    const deployment = testDeployment(world.access);
    const kinds = new Map<string, number>();
    for (const c of cases) {
      const what = describeCase(c);
      const outcome = await withLimit(
        handle(JSON.parse(c.text) as never, { deployment }).then(
          (result) => ({ kind: 'result', text: JSON.stringify(result) }),
          (err: unknown) => ({ kind: (err as Error).name, text: (err as Error).message }),
        ),
        what,
      );
      kinds.set(outcome.kind, (kinds.get(outcome.kind) ?? 0) + 1);
      expect(
        ['result', 'SpecError', 'AccessError', 'ModelError', 'UserError', ...OWN_FAILURES],
        what,
      ).toContain(outcome.kind);
      expect(outcome.text.length, what).toBeGreaterThan(0);
      expect(outcome.text, what).not.toContain(world.canary);
    }
    expect(world.attacker.requests).toEqual([]);
    expect(world.trap.connections).toBe(0);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    console.log(`payload fuzz in process, outcomes: ${JSON.stringify(Object.fromEntries(kinds))}`);
  });
});
