/**
 * Dynamic jobs whose invocations fail before doing anything (a backend that cannot start
 * functions, or throttles them), on the real dispatcher over loopback. The functions are a
 * scripted backend: each invocation either fails as told or pulls splits in-process with the
 * real dispatcher client, answering with predictions derived from the keys.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ComputeBackend, Invocation, InvokeOptions } from '../../src/backends/backend.js';
import type { FunctionCpus } from '../../src/core/function-cpus.js';
import { BackendError } from '../../src/errors.js';
import { runJob } from '../../src/manager/run-job.js';
import { ensureBuiltinModel } from '../../src/models/cache.js';
import { DispatcherClient, type FinishedSplit } from '../../src/rpc/dispatcher-client.js';
import { compileJobSpec } from '../../src/spec/compile.js';
import type { WorkerPayload } from '../../src/protocol/invocation.js';
import { expectEveryInputOnce, readRecord, readResults } from '../support/job-output.js';
import { scriptedTimings } from '../support/scripted-backend.js';

const keys = Array.from({ length: 20 }, (_, i) => `img/${i}.jpg`);

/** Fails the calls `failures(call)` names; the others pull splits until told to stop. */
class ScriptedFunctions implements ComputeBackend {
  readonly name = 'scripted';
  readonly memoryMb = 1024;
  readonly maxConcurrency = 4;
  readonly functionCpus: FunctionCpus = { kind: 'fixed', vcpus: 2, from: 'the test' };
  readonly submitted: number[] = [];
  constructor(private readonly failures: (call: number) => BackendError | null) {}

  async invoke(payload: WorkerPayload, _options?: InvokeOptions): Promise<Invocation> {
    const call = this.submitted.length;
    const submittedAt = Date.now();
    this.submitted.push(submittedAt);
    const stats = (): Invocation['stats'] => ({
      invocationId: `i${call}`,
      submittedAt,
      startedAt: submittedAt,
      endedAt: Date.now(),
      durationMs: Date.now() - submittedAt,
      billedMs: Date.now() - submittedAt + 1,
      initMs: 0,
      cold: false,
      memoryMb: this.memoryMb,
    });
    const failure = this.failures(call);
    if (failure) return { ok: false, error: failure, stats: stats() };
    if (payload.kind !== 'dynamic') throw new Error('dynamic payloads only');
    const client = await DispatcherClient.connect(payload.dispatcher, { workerId: payload.workerId });
    const done: string[] = [];
    try {
      let finished: FinishedSplit[] = [];
      for (let [split] = await client.pullMany([]); split; [split] = await client.pullMany(finished)) {
        finished = [
          {
            splitId: split.splitId,
            results: split.keys.map((key) => ({ key, top: [{ class: key.length, score: 1 }], error: null })),
          },
        ];
        done.push(split.splitId);
      }
    } finally {
      client.close();
    }
    const splits = done.map((splitId) => ({
      splitId,
      results: [],
      startedAt: submittedAt,
      endedAt: Date.now(),
    }));
    return {
      ok: true,
      result: {
        workerId: payload.workerId,
        splits,
        timings: scriptedTimings(),
        runtime: { pid: 0, node: 'v20', platform: 'test' },
      },
      stats: stats(),
    };
  }
  async close(): Promise<void> {}
}

let dir: string;
let model: string;
let manifest: string;
let jobs = 0;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'obifaas-dynamic-backend-'));
  model = await ensureBuiltinModel('tiny', { home: dir });
  manifest = path.join(dir, 'manifest.txt');
  await writeFile(manifest, `${keys.join('\n')}\n`);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function dynamicJob(backend: ScriptedFunctions) {
  const out = path.join(dir, `job${jobs++}`);
  const spec = compileJobSpec(
    { inputs: manifest, model, mode: 'dynamic', splitSize: 4, workers: 2, out },
    { cores: 2, now: new Date(), cwd: dir },
  );
  await runJob(spec, { backend });
  const lines = await readResults(out);
  expectEveryInputOnce(lines, keys);
  return { lines, record: await readRecord(out) };
}

it('stops, never hangs, when no invocation can finish a split, and says why', async () => {
  const backend = new ScriptedFunctions(
    () => new BackendError('function could not start: no space left', true),
  );
  const { lines, record } = await dynamicJob(backend);
  expect(record.status).toBe('failed');
  expect(record.stopReason).toMatch(
    /no worker could finish a split: 4 invocations in a row failed without finishing a split \(last: function could not start: no space left\)/,
  );
  expect(record.dispatcher?.gaveUp).toMatch(/^4 invocations in a row failed/);
  expect(record.dispatcher?.invoked).toEqual({ planned: 2, copy: 0, starved: 0, replacement: 2 });
  expect(lines.every((l) => l.error?.startsWith('job stopped: no worker could finish a split'))).toBe(true);
});

it('stops at once on a failure no retry can fix', async () => {
  const backend = new ScriptedFunctions(
    () => new BackendError('function obifaas-worker-3008 not found', false),
  );
  const { record } = await dynamicJob(backend);
  expect(record.status).toBe('failed');
  expect(record.stopReason).toBe('function obifaas-worker-3008 not found');
  expect(backend.submitted).toHaveLength(2);
});

it('waits as long as a throttled backend asks before invoking replacements', async () => {
  const backend = new ScriptedFunctions((call) =>
    call < 2 ? new BackendError('throttled', true, 300) : null,
  );
  const { lines, record } = await dynamicJob(backend);
  expect(record.status).toBe('completed');
  expect(lines.every((l) => l.error === null)).toBe(true);
  expect(record.dispatcher?.invoked).toMatchObject({ planned: 2, replacement: 2 });
  expect((backend.submitted[2] ?? 0) - (backend.submitted[1] ?? 0)).toBeGreaterThanOrEqual(290);
  expect(record.summary).toMatchObject({ failedInvocations: 2, invocations: 4, ok: 20 });
});
