/**
 * One behaviour suite for every `ComputeBackend`. A backend's test file calls
 * `describeBackendConformance('local', setup)`; the suite runs real invocations of the worker
 * (the tiny model on a few images) and checks the contract the job manager relies on.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BackendError } from '../errors.js';
import { vcpusPerFunction } from '../core/function-cpus.js';
import type { StorageRef } from '../core/storage-ref.js';
import type { ModelRef, PipelineConfig, WorkerPayload } from '../protocol/invocation.js';
import type { Split } from '../core/splitting.js';
import type { ComputeBackend, Invocation, InvocationStats } from './backend.js';
import { noAccess } from '../protocol/function-access.js';

/** Inputs and a model that the backend's functions can read. */
export interface BackendConformanceFixture {
  storage: StorageRef;
  /** At least 4 readable images. */
  keys: string[];
  /** A small model (the builtin `tiny`). */
  model: ModelRef;
}

export interface BackendConformanceSetup {
  /**
   * A new backend running at most `maxConcurrency` invocations at once. The suite creates one
   * per concurrency and runs its tests on it in order; the first test sees it fresh.
   */
  createBackend(options: { maxConcurrency: number }): Promise<ComputeBackend>;
  fixture(): Promise<BackendConformanceFixture>;
  cleanup?(): Promise<void>;
  /** Whether a second invocation right after a first reuses a warm function (default true). */
  reusesWarmFunctions?: boolean;
}

const pipeline: PipelineConfig = {
  load: { concurrency: 4 },
  preprocess: { concurrency: 1 },
  predict: { batchSize: 4, intraOpThreads: 1, interOpThreads: 1, replicas: 1 },
  topK: 3,
};

function expectSaneStats(stats: InvocationStats, memoryMb: number): void {
  expect(stats.invocationId).toEqual(expect.any(String));
  expect(stats.submittedAt).toBeLessThanOrEqual(stats.startedAt);
  expect(stats.startedAt).toBeLessThanOrEqual(stats.endedAt);
  expect(stats.durationMs).toBeGreaterThanOrEqual(0);
  expect(Number.isInteger(stats.billedMs)).toBe(true);
  expect(stats.billedMs).toBeGreaterThanOrEqual(Math.floor(stats.durationMs));
  expect(stats.initMs).toBeGreaterThanOrEqual(0);
  expect(typeof stats.cold).toBe('boolean');
  expect(stats.memoryMb).toBe(memoryMb);
}

/** The largest number of invocations whose [startedAt, endedAt) intervals overlap. */
export function maxOverlap(stats: readonly InvocationStats[]): number {
  const events = stats.flatMap((s) => [
    { t: s.startedAt, d: 1 },
    { t: s.endedAt, d: -1 },
  ]);
  events.sort((a, b) => a.t - b.t || a.d - b.d);
  let now = 0;
  let max = 0;
  for (const e of events) max = Math.max(max, (now += e.d));
  return max;
}

export function describeBackendConformance(name: string, setup: BackendConformanceSetup): void {
  describe(`ComputeBackend conformance: ${name}`, () => {
    let fixture: BackendConformanceFixture;
    const open = new Map<number, ComputeBackend>();
    // One backend per concurrency, shared by the tests in order (starting functions is slow).
    const create = async (maxConcurrency: number): Promise<ComputeBackend> => {
      const existing = open.get(maxConcurrency);
      if (existing) return existing;
      const backend = await setup.createBackend({ maxConcurrency });
      // Deployed as a job manager deploys its local functions: the fixture's store and model.
      backend.allowFunctions?.({
        ...noAccess(),
        readRoots: [...(fixture.storage.type === 'fs' ? [fixture.storage.root] : []), fixture.model.uri],
      });
      open.set(maxConcurrency, backend);
      return backend;
    };
    const payload = (workerId: string, splits: Split[], extra: Partial<WorkerPayload> = {}): WorkerPayload =>
      ({
        kind: 'static',
        jobId: 'conformance',
        workerId,
        model: fixture.model,
        storage: fixture.storage,
        pipeline,
        splits,
        ...extra,
      }) as WorkerPayload;

    beforeAll(async () => {
      fixture = await setup.fixture();
      expect(fixture.keys.length).toBeGreaterThanOrEqual(4);
    });
    afterAll(async () => {
      await Promise.all([...open.values()].map((b) => b.close()));
      await setup.cleanup?.();
    });

    it('says what its functions have: memory, concurrency and vCPUs (what a job plan is made from)', async () => {
      const backend = await create(1);
      expect(backend.maxConcurrency).toBe(1);
      expect(backend.memoryMb).toBeGreaterThan(0);
      const vcpus = vcpusPerFunction(backend.functionCpus, backend.maxConcurrency);
      expect(Number.isFinite(vcpus) && vcpus > 0).toBe(true);
    });

    it('answers a ping with the runtime and invocation stats', async () => {
      const backend = await create(1);
      const first = await backend.invoke({ kind: 'ping' });
      expect(first.ok, first.ok ? '' : first.error.message).toBe(true);
      if (!first.ok) return;
      expect(first.result.runtime.node).toMatch(/^v\d+/);
      expectSaneStats(first.stats, backend.memoryMb);
      expect(first.stats.cold).toBe(true);
      const second = await backend.invoke({ kind: 'ping' });
      expect(second.ok).toBe(true);
      if (setup.reusesWarmFunctions ?? true) expect(second.stats.cold).toBe(false);
    });

    it('returns one result per input of a static invocation, in order, errors per input', async () => {
      const backend = await create(1);
      const keys = [...fixture.keys.slice(0, 3), 'no/such/image.jpg'];
      const inv = await backend.invoke(payload('w0', [{ splitId: 's0', keys }]));
      expect(inv.ok, inv.ok ? '' : inv.error.message).toBe(true);
      if (!inv.ok) return;
      expectSaneStats(inv.stats, backend.memoryMb);
      const results = inv.result.splits.flatMap((s) => s.results);
      expect(results.map((r) => r.key)).toEqual(keys);
      for (const r of results.slice(0, 3)) {
        expect(r.error).toBeNull();
        expect(r.top).toHaveLength(3);
      }
      expect(results[3]?.top).toBeNull();
      expect(results[3]?.error).toMatch(/no\/such\/image\.jpg|not found|missing/i);
    });

    it('reports a failing invocation as {ok: false} with stats, never a rejection', async () => {
      const backend = await create(1);
      const splits = [
        { splitId: 'a', keys: fixture.keys.slice(0, 2) },
        { splitId: 'b', keys: fixture.keys.slice(2, 4) },
      ];
      const faulty = await backend.invoke(payload('w1', splits, { faults: { failAfterFirstSplit: true } }));
      expect(faulty.ok).toBe(false);
      if (faulty.ok) return;
      expect(faulty.error).toBeInstanceOf(BackendError);
      expect((faulty.error as BackendError).retryable).toBe(true);
      expect(faulty.error.message).toMatch(/fault/i);
      expectSaneStats(faulty.stats, backend.memoryMb);

      const noModel = await backend.invoke(payload('w2', splits, { model: { uri: '/no/such/model.onnx' } }));
      expect(noModel.ok).toBe(false);
      if (noModel.ok) return;
      expect(noModel.error.message).toMatch(/model/i);
      expect((noModel.error as BackendError).retryable).toBe(false);
    });

    it('refuses a payload asking for what its deployment does not allow, naming the field, leaking nothing', async () => {
      const backend = await create(1);
      const split = [{ splitId: 'x', keys: fixture.keys.slice(0, 1) }];
      const hostile: [Partial<WorkerPayload>, RegExp][] = [
        [{ model: { ...fixture.model, labelsUri: '/proc/self/environ' } }, /model\.labelsUri/],
        [{ model: { uri: 'file:///etc/passwd' } }, /model\.uri/],
        [{ storage: { type: 'fs', root: '/' } }, /storage\.root/],
        [{ storage: { type: 's3', bucket: 'attacker-bucket', endpoint: 'http://127.0.0.1:9' } }, /storage\./],
      ];
      for (const [extra, field] of hostile) {
        const inv = await backend.invoke(payload('h', split, extra));
        expect(inv.ok).toBe(false);
        if (inv.ok) continue;
        expect(inv.error.message).toMatch(field);
        expect(inv.error.message).toMatch(/AccessError/);
        expect(inv.error.message).not.toMatch(/PATH=|HOME=|root:x:0/);
        expect((inv.error as BackendError).retryable).toBe(false);
      }
    });

    it('fails an invocation that runs past its timeout', async () => {
      const backend = await create(1);
      const split = { splitId: 'slow', keys: fixture.keys.slice(0, 1) };
      const t0 = Date.now();
      const inv = await backend.invoke(payload('w3', [split], { faults: { delayMsPerSplit: 30_000 } }), {
        timeoutMs: 1_000,
      });
      expect(Date.now() - t0).toBeLessThan(20_000);
      expect(inv.ok).toBe(false);
      if (inv.ok) return;
      expect(inv.error.message).toMatch(/timed out/);
      expect((inv.error as BackendError).retryable).toBe(true);
      // The backend still works afterwards.
      expect((await backend.invoke({ kind: 'ping' })).ok).toBe(true);
    });

    it('never runs more than maxConcurrency invocations at once', async () => {
      const backend = await create(2);
      expect(backend.maxConcurrency).toBe(2);
      const invocations: Invocation[] = await Promise.all(
        Array.from({ length: 5 }, (_, i) =>
          backend.invoke(
            payload(`c${i}`, [{ splitId: `c${i}`, keys: fixture.keys.slice(0, 1) }], {
              faults: { delayMsPerSplit: 400 },
            }),
          ),
        ),
      );
      for (const inv of invocations) expect(inv.ok, inv.ok ? '' : inv.error.message).toBe(true);
      expect(maxOverlap(invocations.map((i) => i.stats))).toBeLessThanOrEqual(2);
      expect(maxOverlap(invocations.map((i) => i.stats))).toBe(2);
    });

    it('cancels through an AbortSignal, running or queued', async () => {
      const backend = await create(1);
      const controller = new AbortController();
      const slow = (id: string): Promise<Invocation> =>
        backend.invoke(
          payload(id, [{ splitId: id, keys: fixture.keys.slice(0, 1) }], {
            faults: { delayMsPerSplit: 30_000 },
          }),
          {
            signal: controller.signal,
          },
        );
      const running = slow('r');
      const queued = slow('q');
      setTimeout(() => controller.abort(), 500);
      const [a, b] = await Promise.all([running, queued]);
      expect(a.ok).toBe(false);
      expect(b.ok).toBe(false);
      if (!a.ok) expect(a.error.message).toMatch(/cancel/);
      if (!b.ok) expect(b.error.message).toMatch(/cancel/);
    });

    it('closes: later invocations fail, close() twice is fine (runs last)', async () => {
      const backend = await create(1);
      expect((await backend.invoke({ kind: 'ping' })).ok).toBe(true);
      await backend.close();
      const after = await backend.invoke({ kind: 'ping' });
      expect(after.ok).toBe(false);
      await backend.close();
    });
  });
}
